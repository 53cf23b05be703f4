# ratelimit module build fragment
