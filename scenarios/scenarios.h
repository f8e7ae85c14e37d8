/* scenarios: public interface (being built; see docs/ARCHITECTURE.md). */
#ifndef XB_SCENARIOS_H
#define XB_SCENARIOS_H

#include "core/core.h"

#endif /* XB_SCENARIOS_H */
