# Warnings: -Wall -Wextra always; -Werror unless WERROR=OFF (CI keeps it on).
add_compile_options(-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith
                    -Wstrict-prototypes -Wmissing-prototypes -Wvla)
if(WERROR)
  add_compile_options(-Werror)
endif()
