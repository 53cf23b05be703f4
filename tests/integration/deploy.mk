# deployment tests: nginx, Apache (mod_fcgid, mod_proxy_fcgi, CGI), spawn-fcgi
# and systemd, each run against the repo's own contrib/ snippets, the relay
# and the mock 1min.ai (python3, TAP). contrib/ itself is in EXTRA_DIST.
TESTS += \
	tests/integration/test_deploy_nginx.py \
	tests/integration/test_deploy_apache_fcgid.py \
	tests/integration/test_deploy_apache_proxy_fcgi.py \
	tests/integration/test_deploy_apache_cgi.py \
	tests/integration/test_deploy_systemd.py

EXTRA_DIST += \
	tests/integration/deploy_common.py \
	tests/integration/test_deploy_nginx.py \
	tests/integration/test_deploy_apache_fcgid.py \
	tests/integration/test_deploy_apache_proxy_fcgi.py \
	tests/integration/test_deploy_apache_cgi.py \
	tests/integration/test_deploy_systemd.py
