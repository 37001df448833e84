# SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer, aborting on the
# first UB report so a test fails instead of printing and passing.
if(SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g -O1)
  add_link_options(-fsanitize=address,undefined)
endif()
