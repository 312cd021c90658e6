# reap-zombie: top-level build.
#   make check        install what is needed, build, run every test (QEMU)
#   make check-debug  the guest suite on a 6.1 debug kernel (KASAN, lockdep,
#                     kmemleak...), built once into .cache/debug-kernel
#   make demo         build everything and show zombies reaped in a QEMU guest
#   make bench        reaping speed against the parent's own waitpid(), in a
#                     QEMU guest: table, CSV and plot in build/bench
#   make kmod         build kmod/reap_zombie.ko for KDIR (default: running kernel)
#   make user         build user/build/zombiectl (static)
#   make install      zombiectl, man pages, modprobe rule, zombiectl-watch.service
#                     and /etc/default/zombiectl (not enabled), module
#                     (modules_install)
#   make dkms-install the module through DKMS instead (dkms-add, dkms-build first)
#   make deb          Debian packages reap-zombie-dkms and zombiectl in build/deb
#   make lint         checkpatch on kmod/, clang-format on user/
VERSION := $(shell cat VERSION)
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
# systemd's directory for units of packages (the .deb: /lib/systemd/system)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DKMS_SRC = $(DESTDIR)/usr/src/reap-zombie-$(VERSION)

# Before anything compiles or installs: what the goals need, checked by
# scripts/need.sh, or one line naming the missing packages and a stop.
# make never runs apt-get (make check does: scripts/setup.sh).
goals = $(or $(MAKECMDGOALS),all)
needs = $(sort $(if $(filter all user install-user install,$(goals)),user) \
	$(if $(filter all kmod install-kmod install dkms-build dkms-install,$(goals)),kmod) \
	$(if $(filter dkms-add dkms-build dkms-install,$(goals)),dkms) \
	$(if $(filter deb,$(goals)),deb))
ifneq ($(needs),)
need_msg := $(shell KVER='$(KVER)' KDIR='$(KDIR)' CXX='$(CXX)' scripts/need.sh $(needs))
ifneq ($(need_msg),)
$(error $(need_msg))
endif
endif

.PHONY: all kmod user check check-debug bench demo setup lint clean install uninstall \
	install-user install-kmod install-dkms-source uninstall-user \
	dkms-add dkms-build dkms-install dkms-remove deb

all: kmod user

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

user:
	$(MAKE) -C user

setup:
	scripts/setup.sh

check:
	scripts/check.sh

check-debug:
	scripts/check-debug.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

lint:
	scripts/lint.sh

install: install-user install-kmod

install-user: user
	install -D -m 755 user/build/zombiectl $(DESTDIR)$(PREFIX)/sbin/zombiectl
	install -D -m 644 man/zombiectl.8 $(DESTDIR)$(PREFIX)/share/man/man8/zombiectl.8
	install -D -m 644 man/reap_zombie.4 $(DESTDIR)$(PREFIX)/share/man/man4/reap_zombie.4
	install -D -m 644 modprobe/reap_zombie.conf $(DESTDIR)/etc/modprobe.d/reap_zombie.conf
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' systemd/zombiectl-watch.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/zombiectl-watch.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/zombiectl-watch.service
	install -D -m 644 systemd/zombiectl.default $(DESTDIR)/etc/default/zombiectl

install-kmod: kmod
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# What DKMS builds from: dkms.conf, kmod/ and the version, nothing else.
install-dkms-source:
	install -D -m 644 dkms.conf $(DKMS_SRC)/dkms.conf
	install -D -m 644 VERSION $(DKMS_SRC)/VERSION
	install -d $(DKMS_SRC)/kmod
	install -m 644 kmod/Kbuild kmod/Makefile kmod/*.c kmod/*.h $(DKMS_SRC)/kmod/
	rm -f $(DKMS_SRC)/kmod/*.mod.c

uninstall: uninstall-user
	rm -f /lib/modules/$(KVER)/updates/reap_zombie.ko
	depmod -a $(KVER)

uninstall-user:
	rm -f $(DESTDIR)$(PREFIX)/sbin/zombiectl \
		$(DESTDIR)$(PREFIX)/share/man/man8/zombiectl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man4/reap_zombie.4 \
		$(DESTDIR)/etc/modprobe.d/reap_zombie.conf \
		$(DESTDIR)$(SYSTEMDUNITDIR)/zombiectl-watch.service \
		$(DESTDIR)/etc/default/zombiectl

dkms-add:
	$(MAKE) install-dkms-source
	dkms add -m reap-zombie -v $(VERSION)

dkms-build:
	dkms build -m reap-zombie -v $(VERSION) -k $(KVER)

dkms-install:
	dkms install -m reap-zombie -v $(VERSION) -k $(KVER)

dkms-remove:
	-dkms remove -m reap-zombie -v $(VERSION) --all
	rm -rf /usr/src/reap-zombie-$(VERSION)

deb:
	scripts/deb.sh

clean:
	-$(MAKE) -C kmod KDIR=$(KDIR) clean
	$(MAKE) -C user clean
	rm -rf build
