/* circuits: helpers shared between the solver files of this module only. */
#ifndef XB_CIRCUITS_INTERNAL_H
#define XB_CIRCUITS_INTERNAL_H

#include "circuits/circuits.h"

/* Checks a circuit configuration once, at the API boundary (validate.c). */
int xb_circuits__validate_config(const xb_circuit_config *c);
/* Checks that every conductance is finite and > 0 (sneak paths need no zero
 * conductances; a cell that is "off" still has its HRS conductance). */
int xb_circuits__validate_g(const double *g, int rows, int cols);

#endif /* XB_CIRCUITS_INTERNAL_H */
