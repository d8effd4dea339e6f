# Runs `mandoc -T lint` over every page; any message (warning or worse,
# style notes excluded) fails the test.
foreach(page ${PAGES})
  execute_process(COMMAND ${MANDOC} -T lint -W warning ${page}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR out OR err)
    message(SEND_ERROR "mandoc -T lint ${page}:\n${out}${err}")
  endif()
endforeach()
