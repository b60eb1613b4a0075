// The PyTorch fixtures' reader, shared by the oracle tests: a JSON subset (objects,
// arrays, numbers, strings, null), tensors from {"shape", "data"}, and an
// element-by-element comparison.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <typetape/tensor.hpp>
#include <vector>

namespace oracle {

// ---- a JSON reader for the fixture's subset: objects, arrays, numbers, strings, null ---------
struct json {
  enum kind_t { null, number, string, array, object } kind = null;
  double num = 0;
  std::string str;
  std::vector<json> items;
  std::map<std::string, json> fields;
  const json& operator[](const std::string& k) const {
    auto it = fields.find(k);
    if (it == fields.end()) throw std::runtime_error("oracle: missing field " + k);
    return it->second;
  }
};

struct parser {
  const std::string& s;
  std::size_t i = 0;
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  std::string text() {
    std::string r;
    ++i;  // "
    while (s.at(i) != '"') r += s[i++];
    ++i;
    return r;
  }
  json value() {
    ws();
    json j;
    const char c = s.at(i);
    if (c == '{') {
      j.kind = json::object;
      ++i;
      ws();
      while (s.at(i) != '}') {
        ws();
        const std::string k = text();
        ws();
        ++i;  // :
        j.fields[k] = value();
        ws();
        if (s.at(i) == ',') ++i;
        ws();
      }
      ++i;
    } else if (c == '[') {
      j.kind = json::array;
      ++i;
      ws();
      while (s.at(i) != ']') {
        j.items.push_back(value());
        ws();
        if (s.at(i) == ',') ++i;
        ws();
      }
      ++i;
    } else if (c == '"') {
      j.kind = json::string;
      j.str = text();
    } else if (s.compare(i, 4, "null") == 0) {
      i += 4;
    } else {
      j.kind = json::number;
      char* end = nullptr;
      j.num = std::strtod(s.c_str() + i, &end);
      i = static_cast<std::size_t>(end - s.c_str());
    }
    return j;
  }
};

/// The file `name` of tests/oracle, parsed.
inline json load(const std::string& name) {
  std::ifstream f(std::string(TT_ORACLE_DIR) + "/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  if (text.empty())
    throw std::runtime_error("oracle: cannot read " + std::string(TT_ORACLE_DIR) + "/" + name);
  return parser{text}.value();
}

template <std::size_t R>
inline xt::xtensor<double, R> tensor(const json& t) {
  std::array<std::size_t, R> shape{};
  REQUIRE(t["shape"].items.size() == R);
  for (std::size_t k = 0; k < R; ++k) shape[k] = static_cast<std::size_t>(t["shape"].items[k].num);
  xt::xtensor<double, R> r(shape);
  REQUIRE(t["data"].items.size() == r.size());
  for (std::size_t k = 0; k < r.size(); ++k) r.data()[k] = t["data"].items[k].num;
  return r;
}

template <class V>
void compare(const std::string& what, const V& got, const json& want, double tol = 1e-12) {
  std::vector<double> g;
  if constexpr (tt::tensor_like<V>) {
    CHECK_MESSAGE(tt::detail::shape_of(got).size() == want["shape"].items.size(), what);
    g.assign(got.data(), got.data() + got.size());
  } else {
    g.push_back(got);
  }
  REQUIRE_MESSAGE(g.size() == want["data"].items.size(), what);
  for (std::size_t k = 0; k < g.size(); ++k) {
    const double w = want["data"].items[k].num;
    INFO(what, " element ", k, ": typetape ", g[k], ", PyTorch ", w);
    CHECK(std::abs(g[k] - w) <= tol * std::max(1.0, std::abs(w)));
  }
}

}  // namespace oracle
