# Turns a file into a C++ source holding it as a std::string_view constant, byte for byte
# (hex, so no character of the file needs escaping by hand). Run by the build
# (cmake -P embed.cmake) whenever the file changes:
#   -DINPUT=file -DOUTPUT=file.cc -DNAMESPACE=pk::apiserver::ui -DSYMBOL=kIndexHtml
# The generated file defines `extern const std::string_view SYMBOL` in NAMESPACE; the header
# that declares it is the caller's.
foreach(var INPUT OUTPUT NAMESPACE SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed.cmake: -D${var}= is required")
  endif()
endforeach()
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
# Sixteen bytes a line: "0x3c,0x21,..." (CMake's regular expressions have no {16}).
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REPEAT "0x..," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n  " bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}"
  "// Generated from ${name} by embed.cmake at build time: do not edit.\n"
  "#include <string_view>\n\n"
  "namespace ${NAMESPACE} {\n"
  "namespace {\n"
  "const unsigned char kBytes[${size} + 1] = {\n  ${bytes}0};\n"
  "}  // namespace\n\n"
  "extern const std::string_view ${SYMBOL};\n"
  "const std::string_view ${SYMBOL}(reinterpret_cast<const char*>(kBytes), ${size});\n\n"
  "}  // namespace ${NAMESPACE}\n")
