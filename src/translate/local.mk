# translate module build fragment
