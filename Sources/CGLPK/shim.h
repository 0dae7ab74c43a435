// GLPK has no pkg-config file on Debian; the default include and library paths find it.
// Install with: apt-get install libglpk-dev
#include <glpk.h>
