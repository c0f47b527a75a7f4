# sl_add_unit_test(name LIBS a b ...) builds tests/unit/test_<name>.c into
# test_<name> and registers it as unit.<name>.
function(sl_add_unit_test name)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  add_executable(test_${name} ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_${name}.c)
  target_link_libraries(test_${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA sl_warnings)
  target_compile_definitions(test_${name} PRIVATE
    SL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME unit.${name} COMMAND test_${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 30)
endfunction()
