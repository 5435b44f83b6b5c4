// Entry point for `pulumi up`: validate config first (nothing is registered on bad input), then compose.
import { loadStackConfig } from "./stacks/config";
import { definePlatform } from "./stacks/platform";

export = definePlatform(loadStackConfig());
