# upstream module build fragment
