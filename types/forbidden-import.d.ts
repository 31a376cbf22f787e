// Layer tsconfigs map modules a layer must not import (see docs/style.md §1) to this file. It is
// deliberately not a module, so such an import fails to compile with "... is not a module".
// A path to a missing file would not do: the compiler then falls back to node_modules.
declare const FORBIDDEN_IMPORT_FOR_THIS_LAYER: never;
