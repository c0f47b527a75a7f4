# One place for the warning set (curl's PickyWarnings). Generated code does
# not link this target.
add_library(sl_warnings INTERFACE)
target_compile_options(sl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes
  -Wmissing-prototypes -Wold-style-definition -Wformat=2 -Wundef
  -Wcast-qual -Wwrite-strings -Wvla -Wimplicit-fallthrough
  -Werror=implicit-function-declaration)
