import type { ProviderId } from '../providers/provider.ts';
import { fitbit } from './fitbit/index.ts';
import { polar } from './polar/index.ts';
import type { Vendor } from './vendor.ts';
import { withings } from './withings/index.ts';

const VENDORS: Readonly<Record<ProviderId, Vendor>> = { fitbit, withings, polar };

/** The one way from a vendor id to the vendor: the code outside `vendors/` holds no vendor's facts. */
export const vendorOf = (id: ProviderId): Vendor => VENDORS[id];
