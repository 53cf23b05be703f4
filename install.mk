# What `make install` puts where, besides the program and the tokenizer data:
#   $(man1dir)             the manual page 1min-relay(1)
#   $(docdir)              README.md and DEPLOY.md
#   $(docdir)/examples/    the web server, spawn-fcgi and systemd recipes of contrib/
#   $(systemdsystemunitdir) the systemd units (configure --with-systemdsystemunitdir;
#                          by default where systemd.pc says; `no` skips them)
# Everything but the units stays inside $(prefix). The units and the man page
# name the installed program ($(bindir)/1min-relay).

man1_MANS = man/1min-relay.1
EXTRA_DIST += man/1min-relay.1.in
CLEANFILES += man/1min-relay.1
man/1min-relay.1: $(top_srcdir)/man/1min-relay.1.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && \
	$(SED) -e 's|%VERSION%|$(PACKAGE_VERSION)|g' -e 's|%docdir%|$(docdir)|g' \
	  $(top_srcdir)/man/1min-relay.1.in > $@.tmp && mv $@.tmp $@

dist_doc_DATA = README.md contrib/DEPLOY.md
lighttpdexdir = $(docdir)/examples/lighttpd
lighttpdex_DATA = contrib/lighttpd/1min-relay.conf
nginxexdir = $(docdir)/examples/nginx
nginxex_DATA = contrib/nginx/1min-relay.conf contrib/nginx/1min-relay-upstream.conf
apacheexdir = $(docdir)/examples/apache
apacheex_DATA = contrib/apache/1min-relay-cgi.conf contrib/apache/1min-relay-fcgid.conf \
	contrib/apache/1min-relay-proxy-fcgi.conf contrib/apache/htaccess-cgi
systemdexdir = $(docdir)/examples/systemd
systemdex_DATA = contrib/systemd/1min-relay.service contrib/systemd/1min-relay-activated.service \
	contrib/systemd/1min-relay-activated.socket

# The units point at the installed program, wherever bindir is.
unit_files = systemd/1min-relay.service systemd/1min-relay-activated.service \
	systemd/1min-relay-activated.socket
CLEANFILES += $(unit_files)
if INSTALL_SYSTEMD_UNITS
systemdsystemunit_DATA = $(unit_files)
endif
unit_sed = $(AM_V_GEN)$(MKDIR_P) systemd && \
	$(SED) -e 's|/usr/local/bin/1min-relay|$(bindir)/1min-relay|g' $(top_srcdir)/contrib/$@ > $@.tmp && \
	mv $@.tmp $@
systemd/1min-relay.service: $(top_srcdir)/contrib/systemd/1min-relay.service Makefile
	$(unit_sed)
systemd/1min-relay-activated.service: $(top_srcdir)/contrib/systemd/1min-relay-activated.service Makefile
	$(unit_sed)
systemd/1min-relay-activated.socket: $(top_srcdir)/contrib/systemd/1min-relay-activated.socket Makefile
	$(unit_sed)

# distcheck installs into a scratch prefix: the units must go there too.
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdsystemunitdir=$$dc_install_base/lib/systemd/system

# The engine interface header of the redesign (issue 8), which no SOURCES list names yet;
# the tarball must carry them for the files that include them.
EXTRA_DIST += src/engine/engine.h
