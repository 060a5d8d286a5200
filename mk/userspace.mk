# SPDX-License-Identifier: GPL-2.0
#
# Included by the user space's Makefiles (sactld/, sactlctl/, gtk-prompt/)
# after they set TOP: where a build goes and how it is instrumented, so
# that the plain and the sanitized variants never share objects.
#
#   SANITIZE=1   AddressSanitizer + UBSan (for the tests), into
#                build/userspace-san; otherwise build/userspace
#   OUT=<dir>    elsewhere
#
# Sets OUT, SAN (the sanitizer flags) and U_CFLAGS (the common flags).

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
OUT	?= $(TOP)/build/userspace-san
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer
else
OUT	?= $(TOP)/build/userspace
SAN	:=
endif

U_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g $(SAN) -MMD -MP
