# routes module build fragment
