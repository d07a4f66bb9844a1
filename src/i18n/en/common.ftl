# socklab messages, English: what every program shares.
# Every message here has a twin in ../pt-BR/common.ftl with the same variables.
#
# Conventions: C calls (connect()), TCP flags (SYN), RFC state names
# (ESTABLISHED) and errno names (ECONNREFUSED) stay as they are in every
# language. Numbers that need decimals arrive already formatted.

common-error = error
common-segments = { $n ->
    [one] { $n } segment
   *[other] { $n } segments
}

## Usage errors (the first line; clap's usage follows).

usage-error = error: { $what }
usage-unknown-argument = unexpected argument '{ $arg }' found
usage-invalid-value = invalid value '{ $value }' for '{ $arg }' (possible values: { $valid })
usage-value-validation = invalid value '{ $value }' for '{ $arg }': { $why }
usage-missing-argument = the following required arguments were not provided: { $arg }
usage-conflict = the argument '{ $arg }' cannot be used with '{ $other }'
usage-invalid-subcommand = unrecognized subcommand '{ $arg }'
usage-missing-subcommand = a subcommand is required
usage-no-equals = equal sign is needed when assigning values to '{ $arg }'
usage-wrong-number = wrong number of values for '{ $arg }' ({ $value })
usage-other = { $what }

## Values on the command line.

cli-not-a-language = `{ $text }` is not a language socklab speaks: use en or pt-BR

## Numbers on the command line (the standard library's own words, translated).

usage-int-empty = an empty value is not a number
usage-int-invalid = not a whole number
usage-int-range = the number is out of range
