/* The spawner mode of codex-run-pump (spawner.c): `codex-run-pump --spawner <socket>`. */
#ifndef CODEX_RUN_SPAWNER_H
#define CODEX_RUN_SPAWNER_H

int spawner_main(int argc, char **argv);

#endif
