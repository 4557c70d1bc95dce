// qdeploy command-line entry point (subcommands are added in src/cli/).
#include <cstdio>

int main(int argc, char** argv) {
  std::puts("qdeploy " QDEPLOY_VERSION);
  return 0;
}
