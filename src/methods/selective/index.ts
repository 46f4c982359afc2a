// Selective Steering: a norm-preserving rotation at the layers where the classes sit on opposite sides (see method.ts).
export { selective, selectiveSites, rotationSite, SELECTIVE_OPTIONS, type SelectiveOptions } from './method.js';
export { candidateDirection, mostCentral, secondBasis, meanUnitProjection, discriminativeLayers, classTurn, planeAngle, angleBetween } from './plane.js';
