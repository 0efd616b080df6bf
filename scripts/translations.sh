#!/usr/bin/env bash
# Gather the admin's messages into messages.pot and merge them into each language's catalogue;
# new messages arrive untranslated and tests/admin/test_translations.py names them until they
# are translated. (The catalogues are compiled in memory at run time: nothing to build.)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
LOCALES=app/admin/locales

"$PYBABEL" -q extract -F babel.cfg --no-location --sort-output --omit-header \
  -k Text -o "$LOCALES/messages.pot" app
for language in es de; do
  if [ -f "$LOCALES/$language/LC_MESSAGES/messages.po" ]; then
    "$PYBABEL" -q update --ignore-obsolete --no-fuzzy-matching --omit-header -i "$LOCALES/messages.pot" \
      -d "$LOCALES" -l "$language"
  else
    "$PYBABEL" -q init -i "$LOCALES/messages.pot" -d "$LOCALES" -l "$language"
  fi
done
