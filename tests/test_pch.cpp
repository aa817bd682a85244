// The executable the shared test precompiled header is built with
// (tests/CMakeLists.txt): an executable, so its flags (-fPIE) are those of
// the tests that reuse it.
int main() {
  return 0;
}
