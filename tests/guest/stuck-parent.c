// SPDX-License-Identifier: GPL-2.0
/*
 * stuck-parent N: a parent that never reaps. Blocks every signal it can,
 * makes N children that exit at once (exit codes 1..N), prints their pids
 * and sleeps forever: its zombies stay until someone else reaps them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	sigset_t all;
	int i;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (i = 1; i <= n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("stuck-parent: fork");
			break;
		}
		if (!pid) {
			prctl(PR_SET_NAME, "worker");
			_exit(i);
		}
		printf("%d\n", pid);
	}
	fflush(stdout);
	for (;;)
		sleep(3600);
}
