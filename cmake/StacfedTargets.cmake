# stacfed_add_library(NAME <name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# builds the static library stacfed_<name> with the alias stacfed::<name>. Every target
# includes from the repository root, so includes read "libstac/pg/connection.hpp".
function(stacfed_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(stacfed_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(stacfed::${ARG_NAME} ALIAS stacfed_${ARG_NAME})
  target_include_directories(stacfed_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(stacfed_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# stacfed_add_test(NAME <name> SOURCES ... DEPS ...) builds one Catch2 program per library
# and registers its test cases with CTest.
function(stacfed_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} stacfed_test_main)
  catch_discover_tests(${ARG_NAME} PROPERTIES TIMEOUT 300)
endfunction()
