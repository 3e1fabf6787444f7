// RegexFullMatch's patterns compiled at compile time into a program for k::regex_full_match
// (templates/strings.hpp): a Thompson NFA simulated over code points in bounded memory.
//
// The subset of RE2 syntax taken: literals (UTF-8), `.` (any character but \n), classes
// [...] and [^...] with ranges and \d \w \s \D \W \S inside, the escapes \d \w \s \D \W \S
// \b \B \A \z \n \t \r \f \v \xHH and escaped punctuation, * + ? {m} {m,} {m,n} (and their
// lazy forms: the same for a yes/no match), | and groups ( ), (?: ), (?P<name> ), (?<name> ),
// anchors ^ $ (of the whole text). Anything else (flags such as (?i), \p classes, [:alpha:],
// \Q...\E, \C, backreferences) is refused with its name.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace o2c {

// The program as one int32 table: ninst instructions of 4 ints {op, a, b, 0}, then the
// classes' ranges (pairs lo, hi of code points). ops: 0 match, 1 char a, 2 class (ranges at
// a, b pairs), 3 split a b, 4 jump a, 5 assert a (0 text begin, 1 text end, 2 word boundary,
// 3 not a word boundary).
struct RegexProgram {
  std::vector<int32_t> table;
  int64_t ninst = 0;
};

struct RegexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws RegexError naming the construct outside the subset (or the syntax error).
RegexProgram compile_regex(const std::string& pattern);

}  // namespace o2c
