/**
 * ICMP/ICMPv6 "ports" for flow keys and Community ID, as Zeek (and the Community ID spec) define them:
 * a request/reply pair maps to (type, counterpart type), so both directions form one flow; any other
 * message is one-way and maps to (type, code).
 */
const ICMP4_PAIRS: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8], // echo request / reply
  [13, 14], [14, 13], // timestamp
  [15, 16], [16, 15], // information
  [10, 9], [9, 10], // router solicitation / advertisement
  [17, 18], [18, 17], // address mask
]);

const ICMP6_PAIRS: ReadonlyMap<number, number> = new Map([
  [128, 129], [129, 128], // echo request / reply
  [133, 134], [134, 133], // router solicitation / advertisement
  [135, 136], [136, 135], // neighbor solicitation / advertisement
  [130, 131], [131, 130], // multicast listener query / report
  [139, 140], [140, 139], // node information query / response (who-are-you)
  [144, 145], [145, 144], // home agent address discovery
]);

export interface IcmpPorts {
  sport: number;
  dport: number;
  oneWay: boolean;
}

/** Map (type, code) to port equivalents; `v6` selects the ICMPv6 table. */
export function icmpPorts(v6: boolean, type: number, code: number, out: IcmpPorts): IcmpPorts {
  const counterpart = (v6 ? ICMP6_PAIRS : ICMP4_PAIRS).get(type);
  out.sport = type;
  if (counterpart === undefined) {
    out.dport = code;
    out.oneWay = true;
  } else {
    out.dport = counterpart;
    out.oneWay = false;
  }
  return out;
}
