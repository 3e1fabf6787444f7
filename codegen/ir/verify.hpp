// Checks a graph's invariants: what every pass must leave behind.
#pragma once
#include <string>

#include "ir/graph.hpp"

namespace o2c {

// Empty when g is sound, else what is wrong (every problem found, one per line):
//  - the order holds each live node once, and no erased node;
//  - every input of a node is a constant, a graph input, a capture or the
//    output of a node earlier in the order; every value has at most one producer, and the
//    producers and readers recorded on values match the nodes;
//  - every value a live node reads or writes is typed, of a type generated code can hold;
//  - graph outputs exist and are computed; subgraphs are sound themselves;
//  - with `reinfer`, every node's op infers the types and shapes its outputs have.
std::string verify(const Graph& g, bool reinfer = true);

// Throws std::logic_error with verify()'s report (after a pass named `after`).
void verify_or_throw(const Graph& g, const std::string& after);

}  // namespace o2c
