#include "libstac/pg/text_array.hpp"

namespace stacfed::pg {

void TextArrayBuilder::Add(std::string_view value) {
  if (out_.size() > 1) out_ += ',';
  // Quoted, so that empty strings, commas, braces, spaces and the word NULL stay values.
  out_ += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out_ += '\\';
    out_ += c;
  }
  out_ += '"';
}

void TextArrayBuilder::AddNull() {
  if (out_.size() > 1) out_ += ',';
  out_ += "NULL";
}

std::string TextArrayBuilder::Finish() && {
  out_ += '}';
  return std::move(out_);
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  TextArrayBuilder builder;
  for (const std::string& value : values) builder.Add(value);
  return std::move(builder).Finish();
}

}  // namespace stacfed::pg
