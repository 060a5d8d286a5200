/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What sactlctl's requests do to the daemon: the control_ops the control
 * server calls, with the struct sactld as their context.
 */
#ifndef SACTLD_CONTROL_OPS_H
#define SACTLD_CONTROL_OPS_H

#include "control.h"

extern const struct control_ops sactld_control_ops;

#endif /* SACTLD_CONTROL_OPS_H */
