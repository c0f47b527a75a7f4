# SL_SANITIZE="address,undefined" or "thread" builds every target with it.
set(SL_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")
if(SL_SANITIZE)
  add_compile_options(-fsanitize=${SL_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${SL_SANITIZE})
endif()
