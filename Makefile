# reap-zombie: top-level build.
#   make check   install what is needed, build, run every test (QEMU)
#   make demo    build everything and show a zombie reaped in a QEMU guest
#   make kmod    build kmod/reap_zombie.ko for KDIR (default: running kernel)
#   make user    build user/build/zombiectl (static)
KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all kmod user check demo setup clean

all: kmod user

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

user:
	$(MAKE) -C user

setup:
	scripts/setup.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

clean:
	-$(MAKE) -C kmod KDIR=$(KDIR) clean
	$(MAKE) -C user clean
	rm -rf build
