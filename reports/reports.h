/* reports: public interface (being built; see docs/ARCHITECTURE.md). */
#ifndef XB_REPORTS_H
#define XB_REPORTS_H

#include "core/core.h"

#endif /* XB_REPORTS_H */
