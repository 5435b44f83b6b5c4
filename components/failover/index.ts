export { FailoverSlot, FailoverTarget, GlobalFailover, GlobalFailoverArgs } from "./global-failover";
