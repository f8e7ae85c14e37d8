/* learning: public interface (being built; see docs/ARCHITECTURE.md). */
#ifndef XB_LEARNING_H
#define XB_LEARNING_H

#include "core/core.h"

#endif /* XB_LEARNING_H */
