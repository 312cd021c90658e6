# reap-zombie: top-level build.
#   make check   install what is needed, build, run every test (QEMU)
#   make demo    build everything and show a zombie reaped in a QEMU guest
#   make kmod    build kmod/reap_zombie.ko for KDIR (default: running kernel)
KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all kmod check demo setup clean

all: kmod

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

setup:
	scripts/setup.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

clean:
	-$(MAKE) -C kmod KDIR=$(KDIR) clean
	rm -rf build
