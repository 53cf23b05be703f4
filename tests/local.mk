# test build fragment
