// <cgw/xml.hpp>: the readers for untrusted XML throw BadReply naming the
// element, never its value; parse() takes one well-formed document only;
// the builder escapes what it writes.
#include <cgw/xml.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace {

using namespace cgw;

constexpr const char* kReply = R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Data><Id>O-1</Id><Fee>3900</Fee><More>true</More><Name>张三</Name>
<Empty></Empty><Twice>1</Twice><Twice>2</Twice><Nested><X>1</X></Nested>
<Items><Item>a</Item><Item>b</Item></Items><Mixed><Item>a</Item><Other/></Mixed>
<Bad>12a</Bad><Cdata><![CDATA[x<y]]></Cdata></Data></Response>)";

// The BadReply message of `f`, or "" when it does not throw one.
std::string problem(const std::function<void()>& f) {
  try {
    f();
  } catch (const BadReply& e) {
    return e.what();
  }
  return "";
}

class Xml : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(xml::parse(kReply, doc_));
    data_ = xml::req_child(xml::root_element(doc_), "Data");
  }
  pugi::xml_document doc_;
  pugi::xml_node data_;
};

TEST_F(Xml, ReadsTypedFields) {
  EXPECT_EQ(xml::req_id(data_, "Id"), "O-1");
  EXPECT_EQ(xml::req_int(data_, "Fee"), 3900);
  EXPECT_TRUE(xml::req_bool(data_, "More"));
  EXPECT_EQ(xml::req_text(data_, "Name"), "张三");
  EXPECT_EQ(xml::req_text(data_, "Cdata"), "x<y");
  EXPECT_EQ(xml::opt_text(data_, "Absent"), "");
  EXPECT_EQ(xml::opt_int(data_, "Absent"), std::nullopt);
  EXPECT_EQ(xml::opt_int(data_, "Fee"), 3900);
  EXPECT_EQ(xml::list_of(xml::req_child(data_, "Items"), "Item").size(), 2u);
}

TEST_F(Xml, RefusesWhatTheReplyDoesNotPromise) {
  const pugi::xml_node d = data_;
  EXPECT_EQ(problem([&] { xml::req_text(d, "Absent"); }), "element 'Absent' is missing");
  EXPECT_EQ(problem([&] { xml::req_id(d, "Empty"); }), "element 'Empty' is empty");
  EXPECT_EQ(problem([&] { xml::opt_text(d, "Twice"); }), "element 'Twice' occurs more than once");
  EXPECT_EQ(problem([&] { xml::req_text(d, "Nested"); }), "element 'Nested' is not a text field");
  EXPECT_EQ(problem([&] { xml::req_int(d, "Bad"); }), "element 'Bad' is not an integer");
  EXPECT_EQ(problem([&] { xml::req_bool(d, "Fee"); }), "element 'Fee' is not a boolean");
  EXPECT_EQ(problem([&] { xml::list_of(xml::req_child(d, "Mixed"), "Item"); }),
            "element 'Other' is not expected here");
  // The value (here a name) never appears in a message.
  EXPECT_EQ(problem([&] { xml::req_int(d, "Name"); }).find("张三"), std::string::npos);
}

TEST(XmlParse, TakesExactlyOneWellFormedDocument) {
  pugi::xml_document doc;
  EXPECT_TRUE(xml::parse("<A/>", doc));
  EXPECT_FALSE(xml::parse("", doc));
  EXPECT_FALSE(xml::parse("<A>", doc));
  EXPECT_FALSE(xml::parse("<A/><B/>", doc));
  EXPECT_FALSE(xml::parse("text<A/>", doc));
  EXPECT_FALSE(xml::parse(R"({"code":"0"})", doc));
  for (const auto& [value, strict] :
       {std::pair{"-12", true}, {"+1", false}, {" 1", false}, {"1 ", false}, {"", false}})
    EXPECT_EQ(xml::parse_int(value).has_value(), strict) << value;
}

TEST(XmlBuilder, EscapesValuesAndRoundTrips) {
  xml::Builder b("Request");
  const std::string tricky = R"(</Name><Admin>1</Admin>&amp; "x")";
  xml::Builder::add(b.root(), "Name", tricky);
  const std::string text = b.str();
  EXPECT_EQ(text.rfind(R"(<?xml version="1.0" encoding="UTF-8"?>)", 0), 0u);
  pugi::xml_document doc;
  ASSERT_TRUE(xml::parse(text, doc));
  EXPECT_EQ(xml::req_text(xml::root_element(doc), "Name"), tricky);
  EXPECT_FALSE(xml::opt_child(xml::root_element(doc), "Admin"));
  EXPECT_TRUE(xml::safe("tab\tand\r\nnewlines"));
  EXPECT_FALSE(xml::safe(std::string("nul\0", 4)));
  EXPECT_FALSE(xml::safe("bell\a"));
}

}  // namespace
