/* Internal: the portable CPU backend. */
#ifndef WTCONV_CPU_CPU_BACKEND_H
#define WTCONV_CPU_CPU_BACKEND_H

#include "backend/backend.h"

extern const wtconv_backend_ops wtconv_cpu_backend;

#endif
