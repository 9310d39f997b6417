#pragma once
// The subcommands of `stacfed`. Each takes its arguments (without the subcommand name) and
// returns the process exit status. They only wire configuration to the libraries.

#include <string>
#include <vector>

namespace stacfed::cli {

using Args = std::vector<std::string>;

int RunDb(const Args& args);       // db start|stop|status|url
int RunMigrate(const Args& args);  // migrate
int RunLoad(const Args& args);     // load FILE... [--mode upsert|insert|ignore]
int RunServe(const Args& args);       // serve [--listen HOST:PORT]
int RunFederation(const Args& args);  // federation apply FILE | show
int RunHarvest(const Args& args);     // harvest [SOURCE...|--all] | --url URL --type T --into C

}  // namespace stacfed::cli
