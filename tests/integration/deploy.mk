# deployment tests: nginx, Apache (mod_fcgid, mod_proxy_fcgi, CGI), spawn-fcgi
