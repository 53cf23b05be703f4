# http module build fragment
