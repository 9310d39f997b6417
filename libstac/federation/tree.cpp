// `stacfed federation show`: the tree as stored, read in three queries and printed depth
// first. A node under several parents is printed under each of them.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/federation/apply.hpp"

namespace stacfed::federation {
namespace {

struct CatalogRow {
  std::string title;
  bool harvested_origin = false;
  int64_t collections = 0;  // loaded collections reachable below (closure)
  int64_t items = 0;
};
struct ChildRow {
  std::string kind;
  std::string id;
  bool harvested_origin = false;
};
struct CollectionRow {
  bool loaded = false;
  int64_t items = 0;
};

struct Tree {
  std::map<std::string, CatalogRow, std::less<>> catalogs;
  std::vector<std::string> catalog_order;  // by position, id
  std::map<std::string, std::vector<ChildRow>, std::less<>> children;
  std::map<std::string, CollectionRow, std::less<>> collections;
};

int64_t ToInt(std::string_view text) {
  int64_t value = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') value = value * 10 + (c - '0');
  }
  return value;
}

constexpr char kItemCounts[] =
    "SELECT collection, count(*) FROM stacfed.items GROUP BY collection";

absl::Status ReadCatalogs(pg::Connection& conn, Tree& tree) {
  STACFED_ASSIGN_OR_RETURN(
      pg::Result rows,
      conn.Query(StrCat("WITH counts AS (", kItemCounts, ") "
                        "SELECT k.id, coalesce(k.content->>'title', ''), k.origin, "
                        "  count(c.id), coalesce(sum(n.count), 0) "
                        "FROM stacfed.catalogs k "
                        "LEFT JOIN stacfed.catalog_collections cc ON cc.catalog_id = k.id "
                        "LEFT JOIN stacfed.collections c ON c.id = cc.collection_id "
                        "LEFT JOIN counts n ON n.collection = c.id "
                        "GROUP BY k.id, k.position ORDER BY k.position, k.id")));
  for (int r = 0; r < rows.Rows(); ++r) {
    std::string id(rows.Get(r, 0));
    tree.catalogs[id] = {std::string(rows.Get(r, 1)), rows.Get(r, 2) == "harvest",
                         ToInt(rows.Get(r, 3)), ToInt(rows.Get(r, 4))};
    tree.catalog_order.push_back(std::move(id));
  }
  return absl::OkStatus();
}

absl::Status ReadLinks(pg::Connection& conn, Tree& tree) {
  STACFED_ASSIGN_OR_RETURN(
      pg::Result rows,
      conn.Query("SELECT parent_id, child_kind, child_id, origin FROM stacfed.catalog_links "
                 "ORDER BY parent_id, position, child_id"));
  for (int r = 0; r < rows.Rows(); ++r) {
    tree.children[std::string(rows.Get(r, 0))].push_back(
        {std::string(rows.Get(r, 1)), std::string(rows.Get(r, 2)), rows.Get(r, 3) == "harvest"});
  }
  return absl::OkStatus();
}

absl::Status ReadCollections(pg::Connection& conn, Tree& tree) {
  STACFED_ASSIGN_OR_RETURN(
      pg::Result rows,
      conn.Query(StrCat("WITH counts AS (", kItemCounts, ") "
                        "SELECT c.id, coalesce(n.count, 0) FROM stacfed.collections c "
                        "LEFT JOIN counts n ON n.collection = c.id")));
  for (int r = 0; r < rows.Rows(); ++r) {
    tree.collections[std::string(rows.Get(r, 0))] = {true, ToInt(rows.Get(r, 1))};
  }
  return absl::OkStatus();
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return StrCat(n, " ", n == 1 ? one : many);
}

class Printer {
 public:
  explicit Printer(const Tree& tree) : tree_(tree) {}

  std::string Print() {
    std::set<std::string_view> has_parent;
    for (const auto& [parent, children] : tree_.children) {
      for (const ChildRow& child : children) {
        if (child.kind == "catalog") has_parent.insert(child.id);
      }
    }
    for (const std::string& id : tree_.catalog_order) {
      if (!has_parent.contains(id)) PrintCatalog(id, 0);
    }
    if (out_.empty()) out_ = "(no catalogs: run `stacfed federation apply FILE`)\n";
    return out_;
  }

 private:
  void PrintCatalog(const std::string& id, int depth) {
    auto it = tree_.catalogs.find(id);
    Indent(depth);
    if (it == tree_.catalogs.end()) {
      StrAppend(&out_, id, "  (missing catalog)\n");
      return;
    }
    const CatalogRow& row = it->second;
    StrAppend(&out_, id, row.title.empty() ? "" : "  ", row.title, "  (",
              Plural(row.collections, "collection", "collections"), ", ",
              Plural(row.items, "item", "items"), row.harvested_origin ? ", harvested" : "",
              ")\n");
    if (on_path_.contains(id)) return;  // a cycle made by harvest links: stop here
    on_path_.insert(id);
    auto children = tree_.children.find(id);
    if (children != tree_.children.end()) {
      for (const ChildRow& child : children->second) PrintChild(child, depth + 1);
    }
    on_path_.erase(id);
  }

  void PrintChild(const ChildRow& child, int depth) {
    if (child.kind == "catalog") {
      PrintCatalog(child.id, depth);
      return;
    }
    Indent(depth);
    auto it = tree_.collections.find(child.id);
    std::string state = it == tree_.collections.end()
                            ? "not loaded yet"
                            : Plural(it->second.items, "item", "items");
    StrAppend(&out_, child.id, "  (collection, ", state,
              child.harvested_origin ? ", harvested" : "", ")\n");
  }

  void Indent(int depth) { out_.append(static_cast<size_t>(depth) * 2, ' '); }

  const Tree& tree_;
  std::string out_;
  std::set<std::string> on_path_;
};

}  // namespace

absl::StatusOr<std::string> RenderTree(pg::Connection& conn) {
  Tree tree;
  STACFED_RETURN_IF_ERROR(ReadCatalogs(conn, tree));
  STACFED_RETURN_IF_ERROR(ReadLinks(conn, tree));
  STACFED_RETURN_IF_ERROR(ReadCollections(conn, tree));
  return Printer(tree).Print();
}

}  // namespace stacfed::federation
