// Where simulated publishers move: city presets (centre, radius, local names) and the free-text notes they
// attach now and then. Names are deliberately non-ASCII (multi-byte UTF-8, CJK, emoji) to exercise encoding.

export interface Area {
  lat: number;
  lon: number;
  /** metres */
  radiusM: number;
  /** district names reported as XEP-0080 <locality/>; none for a custom centre */
  localities: readonly string[];
}

export const CITIES: Record<string, Area> = {
  berlin: {
    lat: 52.52,
    lon: 13.405,
    radiusM: 5000,
    localities: [
      "Mitte",
      "Neukölln",
      "Friedrichshain-Kreuzberg",
      "Schöneberg",
      "Prenzlauer Berg",
      "Tempelhof",
      "Moabit",
      "Weißensee",
    ],
  },
  paris: {
    lat: 48.8566,
    lon: 2.3522,
    radiusM: 4000,
    localities: [
      "Le Marais",
      "Saint-Germain-des-Prés",
      "Montmartre",
      "Bercy",
      "Belleville",
      "Champs-Élysées",
      "Ménilmontant",
    ],
  },
  tokyo: {
    lat: 35.6812,
    lon: 139.7671,
    radiusM: 6000,
    localities: ["千代田区", "中央区", "港区", "新宿区", "渋谷区", "台東区", "文京区"],
  },
  saopaulo: {
    lat: -23.5505,
    lon: -46.6333,
    radiusM: 6000,
    localities: ["Sé", "República", "Consolação", "Bela Vista", "Liberdade", "Pinheiros", "Vila Mariana"],
  },
};

export const DEFAULT_CITY = "berlin";

/** Notes a person might type, by travel mode. */
export const NOTES = {
  walker: [
    // German, Swedish, French, Japanese, French, German
    "Kaffeepause ☕",
    "På väg hem",
    "Café crème, terrasse",
    "散歩中",
    "À pied → gare",
    "Spaziergang im Park 🌳",
  ],
  cyclist: [
    // German, French, German, Japanese, Portuguese
    "Fahrradtour 🚲",
    "En vélo, sur la piste",
    "Überholspur",
    "自転車で移動中",
    "Pedalando até o trabalho",
  ],
  vehicle: ["Lieferung unterwegs 🚚", "Stau auf der Straße", "Taxi → aéroport", "配達中", "Ônibus lotado"],
} as const;
