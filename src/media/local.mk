# media module build fragment
