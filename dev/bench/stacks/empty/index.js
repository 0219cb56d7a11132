// Contender (d): no resources at all; `pulumi up` still starts the CLI, the
// nodejs language host and this program, and writes the stack's state.
"use strict";
require("@pulumi/pulumi");
module.exports = {};
