# Shared build helpers: warnings for our own code, and one way to declare a doctest test.

# pk_warnings(TARGET): our code compiles clean under -Wall -Wextra (errors under PK_WERROR).
function(pk_warnings target)
  # -Wrestrict: GCC 12 false positives on inlined std::string assignment (GCC bug 105329).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)  # clang has no such warning
  endif()
  if(PK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# pk_library(NAME SOURCES... DEPS ...): a folder's library.
function(pk_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  pk_warnings(${name})
endfunction()

# pk_test(NAME SOURCES... DEPS ... [LABELS ...]): a doctest executable registered with ctest.
# Tests find ../shared/fixtures through PK_FIXTURES_DIR and the source tree through PK_SOURCE_DIR.
function(pk_test name)
  if(PK_FUZZ)
    return()  # the fuzz build (tests/fuzz) has no doctest tests
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE pk_doctest_main ${ARG_DEPS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  pk_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "PK_SOURCE_DIR=${CMAKE_SOURCE_DIR};PK_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
endfunction()

# pk_protoc(PROTO SOURCES_VAR): generates PROTO's C++ (and gRPC stubs when it declares a
# service) under the build root at its path from the repository root ("bench/x.proto" makes
# build/bench/x.pb.{h,cc}), and appends the generated .cc files to SOURCES_VAR.
function(pk_protoc proto sources_var)
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${proto})
  string(REGEX REPLACE "\\.proto$" "" stem ${rel})
  set(outputs ${CMAKE_BINARY_DIR}/${stem}.pb.cc ${CMAKE_BINARY_DIR}/${stem}.pb.h)
  set(args --cpp_out=${CMAKE_BINARY_DIR})
  file(STRINGS ${proto} has_service REGEX "^service ")
  if(has_service)
    list(APPEND outputs ${CMAKE_BINARY_DIR}/${stem}.grpc.pb.cc ${CMAKE_BINARY_DIR}/${stem}.grpc.pb.h)
    list(APPEND args --grpc_out=${CMAKE_BINARY_DIR}
      --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND protobuf::protoc -I ${CMAKE_SOURCE_DIR} ${args} ${rel}
    DEPENDS ${proto} protobuf::protoc
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    COMMENT "protoc ${rel}"
    VERBATIM)
  list(FILTER outputs INCLUDE REGEX "\\.cc$")
  set(${sources_var} ${${sources_var}} ${outputs} PARENT_SCOPE)
endfunction()
