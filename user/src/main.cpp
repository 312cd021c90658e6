// SPDX-License-Identifier: GPL-2.0
#include <iostream>

#include "app.hpp"

int main(int argc, char **argv)
{
	return rz::run(argc, argv, std::cout, std::cerr);
}
