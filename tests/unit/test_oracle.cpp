#include <doctest/doctest.h>
TEST_CASE("oracle placeholder") {}
