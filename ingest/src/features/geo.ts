/** Great-circle distances, on the sphere Forest's jasmine uses (radius 6,371 km). */
const EARTH_RADIUS_M = 6_371_000;
const RAD = Math.PI / 180;

export type Point = { lat: number; lon: number };

/** Haversine distance in metres. */
export function distanceM(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
