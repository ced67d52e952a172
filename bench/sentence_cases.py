"""Hand-labelled sentence-splitting cases: a paragraph and the sentences a reader would cut it into.

Most cases are real paragraphs (sometimes a run of consecutive sentences from one) of the English
Wikipedia sample (`pipeline.sample_data`, 206 pages), as plain text from wikiextractor: so they
keep a cleaner's debris (empty "()" left by removed templates, a paragraph starting with ", " where
a date template was, '"' where italics were, non-breaking spaces). `source` names the article;
synthetic cases (what the sample lacks: "J. R. R. Tolkien", non-English, line-broken lists) say
"synthetic". CASES ("dev") were chosen for their traps before the splitter was written; HELD_OUT
were drawn at random and labelled after its rules were frozen.

A case stores its sentences, and the paragraph is those sentences joined by `sep` (one space
unless said otherwise; "French….They" has none), so the paragraph and its labels cannot disagree.

Labelling conventions, where readers could differ:
- a full stop inside an abbreviation ends a sentence only when the abbreviation ends it too
  ("lowest in the U.S. The current ..." is two sentences; "the U.S. Congress" is not a boundary);
- closing quotes and brackets belong to the sentence they close ('... "Here We Rest." This ...');
- a sentence end inside a quotation is a boundary when the next word starts a new sentence;
- an ellipsis followed by a capitalised word ends a sentence; followed by lower case it does not;
- a line break in a paragraph (a list written one item a line) always ends a sentence.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Case:
    source: str  # Wikipedia article title, or "synthetic"
    sentences: tuple[str, ...]
    sep: str | tuple[str, ...] = " "  # between all sentences, or one per gap when they differ

    @property
    def text(self) -> str:
        if isinstance(self.sep, str):
            return self.sep.join(self.sentences)
        assert len(self.sep) == len(self.sentences) - 1, self.sentences[0]
        gaps = (*self.sep, "")
        return "".join(sentence + gap for sentence, gap in zip(self.sentences, gaps))


def _real(title: str, *sentences: str, sep: str | tuple[str, ...] = " ") -> Case:
    return Case(title, sentences, sep)


def _synthetic(*sentences: str, sep: str | tuple[str, ...] = " ") -> Case:
    return Case("synthetic", sentences, sep)


CASES: tuple[Case, ...] = (
    # --- "U.S.": usually inside a sentence, sometimes ending one -------------------------------
    _real("ASCII",
          "On March 11, 1968, U.S. President Lyndon B. Johnson mandated that all computers purchased "
          "by the United States federal government support ASCII, stating:"),
    _real("Alaska",
          "The Alaska Rail network is not connected to Outside.",
          "In 2000, the U.S. Congress authorized $6\xa0million to study the feasibility of a rail link "
          "between Alaska, Canada, and the lower 48."),
    _real("Alabama",
          "The state's two U.S. senators are Jefferson B. Sessions III and Richard C. Shelby, both "
          "Republicans.",
          "Shelby was originally elected to the Senate as a Democrat in 1986 and re-elected in 1992, "
          "but switched parties immediately following the November 1994 general election."),
    _real("Foreign relations of Angola",
          "From the mid-1980s through at least 1992, the United States was the primary source of "
          "military and other support for the UNITA rebel movement, which was led from its creation "
          "through 2002 by Jonas Savimbi.",
          "The U.S. refused to recognize Angola diplomatically during this period."),
    _real("Alabama",
          "Immigration from outside the U.S. resulted in a net increase of 31,180 people, and "
          "migration within the country produced a net gain of 73,811 people.",
          "The state had 108,000 foreign-born (2.4% of the state population), of which an estimated "
          "22.2% were illegal immigrants (24,000)."),
    _real("Alaska",
          "The state's most populous city is Anchorage, home to 278,700 people in 2006, 225,744 of "
          "whom live in the urbanized area.",
          "The richest location in Alaska by per capita income is Halibut Cove ($89,895).",
          "Yakutat City, Sitka, Juneau, and Anchorage are the four largest cities in the U.S. by area."),
    _real("Alabama",
          "According to the U.S. Bureau of Economic Analysis, the 2008 total gross state product was "
          "$170\xa0billion, or $29,411 per capita.",
          "Alabama's 2012 GDP increased 1.2% from the previous year.",
          "The single largest increase came in the area of information.",
          "In 2010, per capita income for the state was $22,984."),
    _real("Alabama",
          "The corporate income tax rate is currently 6.5%.",
          "The overall federal, state, and local tax burden in Alabama ranks the state as the second "
          "least tax-burdened state in the country.",
          "Property taxes are the lowest in the U.S.",
          "The current state constitution requires a voter referendum to raise property taxes."),
    _real("Abortion",
          "Only limited data are available comparing this method with dilation and extraction.",
          "Unlike D&E, labor induced abortions after 18 weeks may be complicated by the occurrence of "
          "brief fetal survival, which may be legally characterized as live birth.",
          "For this reason, labor induced abortion is legally risky in the U.S."),
    _real("Alaska",
          "Because of its population relative to other U.S. states, Alaska has only one member in the "
          "U.S. House of Representatives.",
          "This seat is held by Republican Don Young, who was re-elected to his 21st consecutive term "
          "in 2012.",
          "Alaska's At-large congressional district is one of the largest parliamentary "
          "constituencies in the world."),
    # --- "e.g." and "i.e." ----------------------------------------------------------------------
    _real("Albedo",
          "Human activities (e.g. deforestation, farming, and urbanization) change the albedo of "
          "various areas around the globe.",
          "However, quantification of this effect on the global scale is difficult."),
    _real("Anarchism",
          "Phenomena such as civilization, technology (e.g. within anarcho-primitivism), and the "
          "democratic process may be sharply criticised within some anarchist tendencies and "
          "simultaneously lauded in others."),
    _real("Animation",
          "Other techniques can be applied, mathematical functions (e.g., gravity, particle "
          "simulations), simulated fur or hair, and effects, fire and water simulations.",
          "These techniques fall under the category of 3D dynamics."),
    _real("Alkane",
          "Each carbon atom has 4 bonds (either C–H or C–C bonds), and each hydrogen atom is joined to "
          "a carbon atom (H–C bonds).",
          "A series of linked carbon atoms is known as the carbon skeleton or carbon backbone.",
          "The number of carbon atoms is used to define the size of the alkane e.g., C2 alkane."),
    _real("ASCII",  # the dashes are {{mdashb}} templates, which the extractor dropped
          "An intermediate order—readily implemented—converts uppercase letters to lowercase before "
          "comparing ASCII values.",
          "Naïve number sorting can be averted by zero-filling all numbers (e.g. \"02\" will sort "
          "before \"10\" as expected), although this is an external fix and has nothing to do with "
          "the ordering itself."),
    _real("Albedo",
          "Studies by the Hadley Centre have investigated the relative (generally warming) effect of "
          "albedo change and (cooling) effect of carbon sequestration on planting forests.",
          "They found that new forests in tropical and midlatitude areas tended to cool; new forests "
          "in high latitudes (e.g. Siberia) were neutral or perhaps warming."),
    _real("Alkane",
          "Alkanes or alkyl groups can also be prepared directly from alkyl halides in the "
          "Corey–House–Posner–Whitesides reaction.",
          "The Barton–McCombie deoxygenation removes hydroxyl groups from alcohols e.g."),
    _real("Art",
          "The functions of art described above are not mutually exclusive, as many of them may "
          "overlap.",
          "For example, art for the purpose of entertainment may also seek to sell a product, i.e. the "
          "movie or video game."),
    _real("Agriculture",
          "Commercial farming cultivate the crops for commercial purpose i.e., for selling.",
          "The main motive of the farmer is to make profit.",
          "This type of farming is mainly practice in western countries like Canada and USA."),
    _real("Affirming the consequent",
          "An argument of this form is invalid, i.e., the conclusion can be false even when "
          "statements 1 and 2 are true.",
          "Since \"P\" was never asserted as the \"only\" sufficient condition for \"Q\", other factors "
          "could account for \"Q\" (while \"P\" was false)."),
    _real("Aristotle",
          "Aristotle considered ethics to be a practical rather than theoretical study, i.e., one "
          "aimed at becoming good and doing good rather than knowing for its own sake.",
          "He wrote several treatises on ethics, including most notably, the \"Nicomachean Ethics\"."),
    _real("Altruism",
          "This is similar to the notion of chivalry, but unlike that European concept, in i'thar "
          "attention is focused on everything in existence.",
          "A constant concern for Allah (i.e. God) results in a careful attitude towards people, "
          "animals, and other things in this world."),
    # --- titles and honorifics: Dr., St., Jr., Mr., Mrs., Gen., Lt. ----------------------------
    _real("Academy Awards",
          "Originally scheduled for April 8, 1968, the 40th Academy Awards ceremony was postponed for "
          "two days, because of the assassination of Dr. Martin Luther King, Jr..",
          "On March 30, 1981, the 53rd Academy Awards was postponed for one day, after the shooting of "
          "President Ronald Reagan and others in Washington, D.C."),
    _real("Asia",
          "In 2006, Dr. Muhammad Yunus of Bangladesh was awarded the Nobel Peace Prize for the "
          "establishment of Grameen Bank, a community development bank that lends money to poor "
          "people, especially women in Bangladesh.",
          "Dr. Yunus received his PhD in economics from Vanderbilt University, United States.",
          "He is internationally known for the concept of micro credit which allows poor and destitute "
          "people with little or no collateral to borrow money.",
          "The borrowers typically pay back money within the specified period and the incidence of "
          "default is very low."),
    _real("Albert Sidney Johnston",
          "Johnston was born in Washington, Kentucky, the youngest son of Dr. John and Abigail "
          "(Harris) Johnston.",
          "His father was a native of Salisbury, Connecticut.",
          "Although Albert Johnston was born in Kentucky, he lived much of his life in Texas, which he "
          "considered his home.",
          "He was first educated at Transylvania University in Lexington, where he met fellow student "
          "Jefferson Davis.",
          "Both were appointed to the United States Military Academy, Davis two years behind Johnston.",
          "In 1826 Johnston graduated eighth of 41 cadets in his class from West Point with a "
          "commission as a brevet second lieutenant in the 2nd U.S. Infantry."),
    _real("Albert Sidney Johnston",
          "Johnston was survived by his wife Eliza and six children.",
          "His wife and five younger children, including one born after he went to war, chose to live "
          "out their days at home in Los Angeles with Eliza's brother, Dr. John Strother Griffin.",
          "Johnston's eldest son, Albert Sidney Jr. (born in Texas), had already followed him into the "
          "Confederate States Army.",
          "In 1863, after taking home leave in Los Angeles, Albert Jr. was on his way out of San Pedro "
          "harbor on a ferry.",
          "While a steamer was taking on passengers from the ferry, a wave swamped the smaller boat, "
          "causing its boilers to explode.",
          "Albert Jr. was killed in the accident."),
    _real("Astronaut",
          "In 1959, when both the United States and Soviet Union were planning, but had yet to launch "
          "humans into space, NASA Administrator T. Keith Glennan and his Deputy Administrator, Dr. "
          "Hugh Dryden, discussed whether spacecraft crew members should be called \"astronauts\" or "
          "\"cosmonauts\".",
          "Dryden preferred \"cosmonaut\", on the grounds that flights would occur in the \"cosmos\" "
          "(near space), while the \"astro\" prefix suggested flight to the stars.",
          "Most NASA Space Task Group members preferred \"astronaut\", which survived by common usage "
          "as the preferred American term.",
          "When the Soviet Union launched the first man into space, Yuri Gagarin in 1961, they chose a "
          "term which anglicizes to \"cosmonaut\"."),
    _real("Alaska",
          "The first European vessel to reach Alaska is generally held to be the \"St. Gabriel\" under "
          "the authority of the surveyor M. S. Gvozdev and assistant navigator I. Fyodorov on August "
          "21, 1732 during an expedition of Siberian cossak A. F. Shestakov and Belorussian explorer "
          "Dmitry Pavlutsky (1729—1735)."),
    _real("Alabama",
          "Before the admission of Mississippi as a state on December 10, 1817, the more sparsely "
          "settled eastern half of the territory was separated and named the Alabama Territory.",
          "The Alabama Territory was created by the United States Congress on March 3, 1817.",
          "St. Stephens, now abandoned, served as the territorial capital from 1817 to 1819."),
    _real("Alaska",
          "Another European contact with Alaska occurred in 1741, when Vitus Bering led an expedition "
          "for the Russian Navy aboard the \"St. Peter\".",
          "After his crew returned to Russia with sea otter pelts judged to be the finest fur in the "
          "world, small associations of fur traders began to sail from the shores of Siberia toward "
          "the Aleutian Islands.",
          "The first permanent European settlement was founded in 1784."),
    _real("American Revolutionary War",
          "Meanwhile, St. Leger—more than half of his force Native Americans led by "
          "Sayenqueraghta—had laid siege to Fort Stanwix.",
          "American militiamen and their Native American allies marched to relieve the siege but were "
          "ambushed and scattered at the Battle of Oriskany.",
          "When a second relief expedition approached, this time led by Benedict Arnold, St. Leger's "
          "Indian support abandoned him, forcing him to break off the siege and return to Quebec."),
    _real("Apollo 8",
          "Through the next two orbits, the crew continued to keep check of the spacecraft and to "
          "observe and photograph the Moon.",
          "During the third pass, Borman read a small prayer for his church.",
          "He had been scheduled to participate in a service at St. Christopher's Episcopal Church "
          "near Seabrook, Texas, but due to the Apollo\xa08 flight he was unable to.",
          "A fellow parishioner and engineer at Mission Control, Rod Rose, suggested that Borman read "
          "the prayer which could be recorded and then replayed during the service."),
    _real("Andrei Tarkovsky",
          "He spent most of 1984 preparing the film \"The Sacrifice\".",
          "At a press conference in Milan on 10 July 1984, he announced that he would never return to "
          "the Soviet Union and would remain in Europe.",
          "At that time, his son Andrei Jr. was still in the Soviet Union and not allowed to leave the "
          "country."),
    _real("Andrei Tarkovsky",
          "During 1985, he shot the film \"The Sacrifice\" in Sweden.",
          "At the end of the year he was diagnosed with terminal lung cancer.",
          "In January 1986, he began treatment in Paris and was joined there by his son, who was "
          "finally allowed to leave the Soviet Union.",
          "\"The Sacrifice\" was presented at the Cannes Film Festival and received the Grand Prix "
          "Spécial du Jury, the FIPRESCI prize and the Prize of the Ecumenical Jury.",
          "As Tarkovsky was unable to attend due to his illness, the prizes were collected by his son, "
          "Andrei Jr."),
    _real("Ayn Rand",
          "She faced intense opposition from William F. Buckley, Jr. and other contributors for the "
          "\"National Review\" magazine.",
          "They published numerous criticisms in the 1950s and 1960s by Whittaker Chambers, Garry "
          "Wills, and M. Stanton Evans.",
          "Nevertheless, her influence among conservatives forced Buckley and other \"National Review\" "
          "contributors to reconsider how traditional notions of virtue and Christianity could be "
          "integrated with support for capitalism."),
    _real("Abraham Lincoln",
          "The damage caused by Sherman's March to the Sea through Georgia in 1864 was limited to a "
          "swath, but neither Lincoln nor his commanders saw destruction as the main goal, but rather "
          "defeat of the Confederate armies.",
          "Mark E. Neely Jr. has argued that there was no effort to engage in \"total war\" against "
          "civilians which he believed did take place during World War II."),
    _real("Albert Sidney Johnston",
          "On February 7, 1837, he fought in a duel with Texas Brig. Gen. Felix Huston, as they "
          "challenged each other for the command of the Texas Army; Johnston refused to fire on "
          "Huston and lost the position after he was wounded in the pelvis."),
    _real("Alabama",
          "Only two Republican Lieutenant Governors have been elected since the end of Reconstruction, "
          "when Republicans generally represented Reconstruction government, including the newly "
          "emancipated freedmen who had gained the franchise.",
          "The two GOP Lt. Governors were Steve Windom (1999-2003) and the current Lt. Governor, Kay "
          "Ivey, who was elected in 2010 and re-elected in 2014."),
    _real("Albania",
          "Enjoying this privileged position in the empire, Muslim Albanians held various high "
          "administrative positions, with over two dozen Grand Viziers of Albanian origin, such as Gen. "
          "Köprülü Mehmed Pasha, who commanded the Ottoman forces during the Ottoman-Persian Wars; Gen. "
          "Köprülü Fazıl Ahmed, who led the Ottoman armies during the Austro-Turkish War (1663–1664); "
          "and, later, Muhammad Ali Pasha of Egypt."),
    _real("Albert Sidney Johnston",
          "In 1855 President Franklin Pierce appointed him colonel of the new 2nd U.S. Cavalry (the "
          "unit that preceded the modern 5th U.S.), a new regiment, which he organized.",
          "On August 19, 1856, Gen. Persifor Smith, at the request of Kansas Territorial Governor "
          "Wilson Shannon, sent Col. Johnston with 1300 men composed of the 2d Cavalry Dragoons from "
          "Fort Riley, a battalion of the 6th Infantry and Capt. Howe's artillery company from "
          "Jefferson Barracks, to protect the territorial capital at Lecompton from an imminent attack "
          "by Jim Lane and his abolitionist \"Army of the North.\""),
    _real("Albert Sidney Johnston",
          "To prevent Polk from dissipating his forces by allowing some men to join a partisan group, "
          "Johnston ordered him to send Brig. Gen. Gideon Pillow and 5,000 men to Fort Donelson.",
          "Pillow took up a position at nearby Clarksville, Tennessee and did not move into the fort "
          "until February 7, 1862.",
          "Alerted by a Union reconnaissance on January 14, 1862, Johnston ordered Tilghman to fortify "
          "the high ground opposite Fort Henry, which Polk had failed to do despite Johnston's orders.",
          "Tilghman failed to act decisively on these orders, which in any event were too late to be "
          "adequately carried out."),
    _real("Abraham Lincoln",
          "There was also the Great Moments with Mr. Lincoln exhibit in Disneyland, and the Hall of "
          "Presidents at Walt Disney World, which had to do with Walt Disney admiring Lincoln ever "
          "since he was a little boy."),
    _real("Apollo 11",
          "Armstrong: Thank you Mr. President.",
          "It's a great honor and privilege for us to be here, representing not only the United "
          "States, but men of peace of all nations, and with interest and curiosity, and men with a "
          "vision for the future.",
          "It's an honor for us to be able to participate here today."),
    _real("Aldous Huxley",
          "Aldous Huxley was born in Godalming, Surrey, England, in 1894.",
          "He was the third son of the writer and schoolmaster Leonard Huxley, who edited \"Cornhill "
          "Magazine\", and his first wife, Julia Arnold, who founded Prior's Field School.",
          "Julia was the niece of poet and critic Matthew Arnold and the sister of Mrs. Humphrey Ward.",
          "Aldous was the grandson of Thomas Henry Huxley, the zoologist, agnostic, and "
          "controversialist (\"Darwin's Bulldog\")."),
    _real("Animal Farm",
          "Old Major, the old boar on the Manor Farm, summons the animals on the farm together for a "
          "meeting, during which he refers to humans as \"enemies\" and teaches the animals a "
          "revolutionary song called \"Beasts of England\".",
          "When Major dies, two young pigs, Snowball and Napoleon, assume command and consider it a "
          "duty to prepare for the Rebellion.",
          "The animals revolt and drive the drunken and irresponsible farmer Mr. Jones from the farm, "
          "renaming it \"Animal Farm\".",
          "They adopt Seven Commandments of Animalism, the most important of which is, \"All animals "
          "are equal.\""),
    # --- initials -------------------------------------------------------------------------------
    _real("Aldous Huxley",
          "Huxley wrote an introduction to the posthumous publication of J. D. Unwin's 1940 book "
          "\"Hopousia or The Sexual and Economic Foundations of a New Society\"."),
    _real("Animalia (book)",
          "Julia MacRae Books published an \"Animalia\" colouring book in 2008.",
          "H. N. Abrams also published a wall calendar colouring book version for children the same "
          "year."),
    _real("Ambiguity",
          "Logical ambiguity and self-contradiction is analogous to visual ambiguity and impossible "
          "objects, such as the Necker cube and impossible cube, or many of the drawings of M. C. "
          "Escher."),
    _real("Asia",
          "Sir C. V. Raman is the first Asian to get a Nobel prize in Sciences.",
          "He won the Nobel Prize in Physics \"for his work on the scattering of light and for the "
          "discovery of the effect named after him\"."),
    _real("Apollo",
          "According to some scholars the words are derived from the Doric word \"apella\" (), which "
          "originally meant \"wall,\" \"fence for animals\" and later \"assembly within the limits of "
          "the square.\"",
          "Apella () is the name of the popular assembly in Sparta, corresponding to the \"ecclesia\" "
          "().",
          "R. S. P. Beekes rejected the connection of the theonym with the noun \"apellai\" and "
          "suggested a Pre-Greek proto-form *\"Apalyun\"."),
    _real("Andrei Tarkovsky",
          "During 1975, Tarkovsky also worked on the screenplay \"Hoffmanniana\", about the German "
          "writer and poet E. T. A. Hoffmann.",
          "In December 1976, he directed \"Hamlet\", his only stage play, at the Lenkom Theatre in "
          "Moscow.",
          "The main role was played by Anatoly Solonitsyn, who also acted in several of Tarkovsky's "
          "films.",
          "At the end of 1978, he also wrote the screenplay \"Sardor\" together with the writer "
          "Aleksandr Misharin."),
    _real("Abraham Lincoln",
          "Historian Donald described the speech as a \"superb political move for an unannounced "
          "candidate, to appear in one rival's (William H. Seward) own state at an event sponsored by "
          "the second rival's (Salmon P. Chase) loyalists, while not mentioning either by name during "
          "its delivery\".",
          "In response to an inquiry about his presidential intentions, Lincoln said, \"The taste "
          "\"is\" in my mouth a little.\""),
    _synthetic("J. R. R. Tolkien wrote \"The Hobbit\" in the 1930s.",
               "It was published in 1937 by George Allen & Unwin."),
    _synthetic("The Lord of the Rings was written by J. R. R. Tolkien.",
               "C. S. Lewis read early drafts of it."),
    # --- numbers: decimals, "No.", "c.", years ending a sentence --------------------------------
    _real("Astronaut",
          "As of 2008, the man with the longest cumulative time in space is Sergei K. Krikalev, who "
          "has spent 803 days, 9 hours and 39 minutes, or 2.2 years, in space."),
    _real("Demographics of Angola",
          "Literacy is quite low, with 67.4% of the population over the age of 15 able to read and "
          "write in Portuguese.",
          "82.9% of males and 54.2% of women are literate as of 2001."),
    _real("Algeria",
          "Despite a decline in total unemployment, youth and women unemployment is high.",
          "Unemployment particularly affects the young, with a jobless rate of 21.5% among the 15–24 "
          "age group."),
    _real("Aruba",
          "Aruba's Queen Beatrix International Airport is located near Oranjestad.",
          "According to the Aruba Airport Authority, almost 1.7 million travelers used the airport in "
          "2005, 61% of whom were Americans."),
    _real("Asia",
          "In 2010, Asia had 3.3\xa0million millionaires (people with net worth over US$1 million "
          "excluding their homes), slightly below North America with 3.4\xa0million millionaires.",
          "Last year Asia had toppled Europe."),
    _real("Algeria",
          "In 2011 Algeria announced a budgetary surplus of $26.9 billion, 62% increase in comparison "
          "to 2010 surplus.",
          "In general, the country exported $73 billion worth of commodities while it imported $46 "
          "billion."),
    _real("Afghanistan",
          ", the population of Afghanistan is around 32,564,342, which includes the roughly 2.7 million "
          "Afghan refugees still living in Pakistan and Iran.",
          "In 1979, the population was reported to be about 15.5 million."),
    _real("Alaska",
          "On March 27, 1964, the massive Good Friday earthquake killed 133 people and destroyed "
          "several villages and portions of large coastal communities, mainly by the resultant "
          "tsunamis and landslides.",
          "It was the second-most-powerful earthquake in the recorded history of the world, with a "
          "moment magnitude of 9.2.",
          "It was over one thousand times more powerful than the 1989 San Francisco earthquake.",
          "The time of day (5:36\xa0pm), time of year and location of the epicenter were all cited as "
          "factors in potentially sparing thousands of lives, particularly in Anchorage."),
    _real("International Atomic Time",
          "The instant that the gravitational correction started to be applied serves as the epoch "
          "for Barycentric Coordinate Time (TCB), Geocentric Coordinate Time (TCG), and Terrestrial "
          "Time (TT), which represent three fundamental time scales in the solar system.",
          "All three of these time scales were defined to read JD 2443144.5003725 (1 January 1977 "
          "00:00:32.184) exactly at that instant.",
          "(The offset is to provide continuity with the older Ephemeris Time.)",
          "TAI was henceforth a realisation of TT, with the equation TT(TAI) = TAI + 32.184\xa0s."),
    _real("Andre Agassi",
          "Agassi was the first male player to win all four Grand Slam tournaments on three different "
          "surfaces (hard, clay and grass), and the last American male to win the French Open, in "
          "1999 and the Australian Open (2003).",
          "He also won 17 ATP Masters Series titles and was part of a winning Davis Cup team in 1990, "
          "1992 and 1995.",
          "Agassi reached the World No. 1 ranking for the first time in 1995 but was troubled by "
          "personal issues during the mid-to-late 1990s and sank to World No. 141 in 1997, prompting "
          "many to believe that his career was over.",
          "Agassi returned to World No. 1 in 1999 and enjoyed the most successful run of his career "
          "over the next four years.",
          "During his 20-plus year tour career, Agassi was known by the nickname \"The Punisher\"."),
    _real("Articles of Confederation",
          "The apparent tension between these two provisions was addressed at the time, and remains a "
          "topic of scholarly discussion.",
          "In 1788, James Madison remarked (in \"Federalist No. 40\") that the issue had become moot: "
          "\"As this objection...has been in a manner waived by those who have criticised the powers "
          "of the convention, I dismiss it without further observation.\"",
          "Nevertheless, it is an interesting historical and legal question whether opponents of the "
          "Constitution could have plausibly attacked the Constitution on that ground."),
    _real("Algorithm",
          "The words 'algorithm' and 'algorism' come from the name al-Khwārizmī.",
          "Al-Khwārizmī (, c. 780-850) was a Persian mathematician, astronomer, geographer, and "
          "scholar."),
    _real("Aristotle",
          "With the loss of the study of ancient Greek in the early medieval Latin West, Aristotle was "
          "practically unknown there from c. AD 600 to c. 1100 except through the Latin translation of "
          "the \"Organon\" made by Boethius.",
          "In the twelfth and thirteenth centuries, interest in Aristotle revived and Latin Christians "
          "had translations made, both from Arabic translations, such as those by Gerard of Cremona, "
          "and from the original Greek, such as those by James of Venice and William of Moerbeke."),
    _real("Aristotle",
          "Aristotle held more accurate theories on some optical concepts than other philosophers of "
          "his day.",
          "The second oldest written evidence of a camera obscura (after Mozi c. 400 BC) can be found "
          "in Aristotle's documentation of such a device in 350\xa0BC in \"Problemata\".",
          "Aristotle's apparatus contained a dark chamber that had a single small hole, or aperture, "
          "to allow for sunlight to enter."),
    _real("Asphalt",
          "A tunnel beneath the river Euphrates at Babylon in the time of Queen Semiramis (ca. 800 BC) "
          "was reportedly constructed of burnt bricks covered with asphalt/bitumen as a waterproofing "
          "agent."),
    _real("A",
          "In 1600 B.C.E., the Phoenician alphabet letter had a linear form that served as the base for "
          "some later forms.",
          "Its name must have corresponded closely to the Hebrew or Arabic aleph."),
    _real("Achilles",
          "Many Homeric scholars argued that episode inspired many details in the \"Iliad\"'s "
          "description of the death of Patroclus and Achilles' reaction to it.",
          "The episode then formed the basis of the cyclic epic \"Aethiopis\", which was composed after "
          "the \"Iliad\", possibly in the 7th century B.C.",
          "The \"Aethiopis\" is now lost, except for scattered fragments quoted by later authors."),
    _real("Arithmetic mean",
          "For example, let us consider the monthly salary of 10 employees of a firm: 2500, 2700, "
          "2400, 2300, 2550, 2650, 2750, 2450, 2600, 2400.",
          "The arithmetic mean is"),
    _real("American Revolutionary War",
          "The British held Staten Island, Manhattan, and Long Island until peace was made in 1783.",
          "These areas contained about 2% of the population of the Thirteen Colonies."),
    _real("Transport in Angola",
          "Reconstruction of these three lines began in 2005 and is expected to be completed by the "
          "end of the year 2012.",
          "The Benguela Railway already connects to the Democratic Republic of the Congo."),
    _real("Economy of Angola",
          "Despite the increase in civil warfare in late 1998, the economy grew by an estimated 4% in "
          "1999.",
          "The government introduced new currency denominations in 1999, including a 1 and 5 kwanza "
          "note."),
    _real("Abortion",
          "Only 30% to 50% of conceptions progress past the first trimester.",
          "The vast majority of those that do not progress are lost before the woman is aware of the "
          "conception, and many pregnancies are lost before medical practitioners can detect an "
          "embryo.",
          "Between 15% and 30% of known pregnancies end in clinically apparent miscarriage, depending "
          "upon the age and health of the pregnant woman.",
          "80% of these spontaneous abortions happen in the first trimester."),
    _real("Algeria",
          "Women make up 70% of the country's lawyers and 60% of its judges and also dominate the "
          "field of medicine.",
          "Increasingly, women are contributing more to household income than men.",
          "60% of university students are women, according to university researchers."),
    _synthetic("Beethoven's Symphony No. 5 premiered in Vienna in 1808.",
               "The value of pi is approximately 3.14.",
               "It was computed to 3.14159 by Archimedes c. 250 BC."),
    # --- company and other abbreviations: Inc., Ltd., Co., Mt., vs., et al., etc. --------------
    _real("Andre Agassi",
          "Agassi has appeared in many advertisements and television commercials with Graf.",
          "They both endorsed Deutsche Telekom in 2002, Genworth Financial and Canon Inc. in 2004, "
          "LVMH in 2007, and Nintendo Wii and Wii Fit U and Longines in 2013."),
    _real("Alabama",
          "The Hunt Refining Company, a subsidiary of Hunt Consolidated, Inc., is based in Tuscaloosa "
          "and operates a refinery there.",
          "The company also operates terminals in Mobile, Melvin, and Moundville.",
          "JVC America, Inc. operates an optical disc replication and packaging plant in Tuscaloosa."),
    _real("Asphalt",
          "In 1914, Claridge's Company entered into a joint venture to produce tar-bound macadam, with "
          "materials manufactured through a subsidiary company called Clarmac Roads Ltd.",
          "Two products resulted, namely \"Clarmac\", and \"Clarphalte\", with the former being "
          "manufactured by Clarmac Roads and the latter by Claridge's Patent Asphalte Co., although "
          "\"Clarmac\" was more widely used.",
          "However, the First World War impacted financially on the Clarmac Company, which entered "
          "into liquidation in 1915."),
    _real("Alaska",
          "The Alaska Department of Education and Early Development administers many school districts "
          "in Alaska.",
          "In addition, the state operates a boarding school, Mt. Edgecumbe High School in Sitka, and "
          "provides partial funding for other boarding schools, including Nenana Student Living Center "
          "in Nenana and The Galena Interior Learning Academy in Galena."),
    _real("Apollo",
          "Castalia was a nymph whom Apollo loved.",
          "She fled from him and dove into the spring at Delphi, at the base of Mt. Parnassos, which "
          "was then named after her.",
          "Water from this spring was sacred; it was used to clean the Delphian temples and inspire "
          "the priestesses.",
          "In the last oracle is mentioned that the \"water which could speak\", has been lost for "
          "ever."),
    _real("Alabama",
          "While the planter class had persuaded poor whites to vote for this legislative effort to "
          "suppress black voting, the new restrictions resulted in their disenfranchisement as well, "
          "due mostly to the imposition of a cumulative poll tax.",
          "By 1941, whites constituted a slight majority of those disenfranchised by these laws: "
          "600,000 Whites vs. 520,000 African-Americans.",
          "Nearly all African Americans had lost the ability to vote."),
    _real("Agriculture",
          "It has been suggested that rural communities might obtain fuel from the biochar and synfuel "
          "process, which uses agricultural \"waste\" to provide charcoal fertilizer, some fuel \"and\" "
          "food, instead of the normal food vs. fuel debate.",
          "As the synfuel would be used on-site, the process would be more efficient and might just "
          "provide enough fuel for a new organic-agriculture fusion."),
    _real("Academy Awards",
          "The Academy Awards, or \"Oscars\", is an annual American awards ceremony hosted by the "
          "Academy of Motion Picture Arts and Sciences (A.M.P.A.S.) to recognize excellence in "
          "cinematic achievements in the United States film industry as assessed by the Academy's "
          "voting membership.",
          "The various category winners are awarded a copy of a statuette, officially called the "
          "Academy Award of Merit, which has become commonly known by its nickname \"Oscar\".",
          "The awards, first presented in 1929 at the Hollywood Roosevelt Hotel, are overseen by "
          "A.M.P.A.S."),
    _real("Austroasiatic languages",
          "According to Chaubey et al. (2010), \"AA speakers in India today are derived from dispersal "
          "from Southeast Asia, followed by extensive sex-specific admixture with local Indian "
          "populations.\"",
          "According to Riccio et al. (2011), the Munda people are likely descended from Austroasiatic "
          "migrants from southeast Asia.",
          "According to Zhang et al. (2015), Austroasiatic (male) migrations from southeast Asia into "
          "India took place after the lates Glacial maximum, circa 10,000 years ago."),
    _real("Actinopterygii",
          "Actinopterygians are divided into the subclasses Chondrostei and Neopterygii.",
          "The Neopterygii, in turn, are divided into the infraclasses Holostei and Teleostei.",
          "During the Mesozoic and Cenozoic the teleosts in particular diversified widely, and as a "
          "result, 96% of all known fish species are teleosts.",
          "The cladogram shows the major groups of actinopterygians and their relationship to the "
          "terrestrial vertebrates (tetrapods) that evolved from a related group of fish.",
          "Approximate dates are from Near et al., 2012."),
    _real("A",
          "In geometry, capital A, B, C etc. are used to denote segments, lines, rays, etc.",
          "A capital A is also typically used as one of the letters to represent an angle in a "
          "triangle, the lowercase a representing the side opposite angle A."),
    _real("Algeria",
          "Algerian cuisine varies from one region to another, according to seasonal vegetables.",
          "It can be prepared using meat, fish and vegetables.",
          "Among the dishes known, couscous, chorba, Rechta, Chakhchoukha, Berkoukes, Shakshouka, "
          "Mthewem, Chtitha, Mderbel, Dolma, Brik or Bourek, Garantita, Lham'hlou, etc.",
          "Merguez sausage is widely used in Algeria, but it differs, depending on the region and on "
          "the added spices."),
    _real("Abacus",
          "The rediscovery of the Nepōhualtzintzin was due to the Mexican engineer David Esparza "
          "Hidalgo, who in his wanderings throughout Mexico found diverse engravings and paintings of "
          "this instrument and reconstructed several of them made in gold, jade, encrustations of "
          "shell, etc.",
          "There have also been found very old Nepōhualtzintzin attributed to the Olmec culture, and "
          "even some bracelets of Mayan origin, as well as a diversity of forms and materials in "
          "other cultures."),
    _real("Aristotle",
          "Aristotle is referred to as \"The Philosopher\" by Scholastic thinkers such as Thomas "
          "Aquinas.",
          "See \"Summa Theologica\", Part I, Question 3, etc.",
          "These thinkers blended Aristotelian philosophy with Christianity, bringing the thought of "
          "Ancient Greece into the Middle Ages.",
          "It required a repudiation of some Aristotelian principles for the sciences and the arts to "
          "free themselves for the discovery of modern scientific laws and empirical methods."),
    _real("Albania",
          "The bulk of the tourist industry is concentrated along the Adriatic and the Ionian Sea "
          "coast.",
          "The latter has the most beautiful and pristine beaches, and is often called the Albanian "
          "Riviera.",
          "Albanian seaside has a considerable length of 360\xa0km, including even the lagoon area which "
          "you find within.",
          "The seaside has a particular character because it is rich in varieties of sandy beaches, "
          "capes, coves, covered bays, lagoons, small gravel beaches, sea caves etc.",
          "Some parts of this seaside are very clean ecologically, which represent in this "
          "prospective unexplored areas, very rare in Mediterranean area."),
    # --- lists in running text ------------------------------------------------------------------
    _real("Alkane",
          "The first four names were derived from methanol, ether, propionic acid and butyric acid, "
          "respectively.",
          "Alkanes with five or more carbon atoms are named by adding the suffix -ane to the "
          "appropriate numerical multiplier prefix with elision of any terminal vowel (\"-a\" or "
          "\"-o\") from the basic numerical term.",
          "Hence, pentane, C5H12; hexane, C6H14; heptane, C7H16; octane, C8H18; etc.",
          "The prefix is generally Greek, however alkanes with a carbon atom count ending in nine, for "
          "example nonane, use the Latin prefix non-.",
          "For a more complete list, see List of alkanes."),
    _real("American Revolutionary War",
          "Motivation was a major asset.",
          "The Patriots wanted to win; over 200,000 fought in the war; 25,000 died.",
          "The British expected the Loyalists to do much of the fighting, but they did much less than "
          "expected.",
          "The British also hired German mercenaries to do much of their fighting."),
    _real("Algorithm",
          "Does an algorithm do what its author wants it to do?",
          "A few test cases usually suffice to confirm core functionality.",
          "One source uses 3009 and 884.",
          "Knuth suggested 40902, 24140.",
          "Another interesting case is the two relatively prime numbers 14157 and 5950."),
    _synthetic("The main islands are:", "Aruba", "Bonaire", "Curaçao", sep="\n"),
    _synthetic("Notable works include the following.",
               "* Animal Farm (1945)",
               "* Nineteen Eighty-Four (1949)",
               sep="\n"),
    # --- parentheses and brackets ---------------------------------------------------------------
    _real("Affirming the consequent",
          "To put it differently, if \"P\" implies \"Q\", the only inference that can be made is "
          "\"non-Q\" implies \"non-P\".",
          "(\"Non-P\" and \"non-Q\" designate the opposite propositions to \"P\" and \"Q\".)",
          "This is known as logical contraposition.",
          "Symbolically:"),
    _real("Alaska",
          "In 2010, Alaska ranked as the 47th state by population, ahead of North Dakota, Vermont, and "
          "Wyoming (and Washington, D.C.)",
          "Alaska is the least densely populated state, and one of the most sparsely populated areas "
          "in the world, at, with the next state, Wyoming, at.",
          "Alaska is the largest U.S. state by area, and the tenth wealthiest (per capita income).",
          "As of November 2014, the state's unemployment rate was 6.6%."),
    _real("Anthropology",
          "The abstract noun \"anthropology\" is first attested in reference to history.",
          "Its present use first appeared in Renaissance Germany in the works of Magnus Hundt and Otto "
          "Casmann.",
          "Their New Latin ' derived from the combining forms of the Greek words \"ánthrōpos\" (, "
          "\"human\") and \"lógos\" (, \"study\").",
          "(Its adjectival form appeared in the works of Aristotle.)",
          "It began to be used in English, possibly via French ', by the early 18th century."),
    _real("Alphabet",
          "All three types may be augmented with syllabic glyphs.",
          "Ugaritic, for example, is basically an abjad, but has syllabic letters for.",
          "(These are the only time vowels are indicated.)",
          "Cyrillic is basically a true alphabet, but has syllabic letters for (я, е, ю); Coptic has a "
          "letter for.",
          "Devanagari is typically an abugida augmented with dedicated letters for initial vowels, "
          "though some traditions use अ as a zero consonant as the graphic base for such vowels."),
    _real("Art",
          "Most modern public museums and art education programs for children in schools can be "
          "traced back to this impulse to have art available to everyone.",
          "Museums in the United States tend to be gifts from the very rich to the masses (The "
          "Metropolitan Museum of Art in New York City, for example, was created by John Taylor "
          "Johnston, a railroad executive whose personal art collection seeded the museum.)",
          "But despite all this, at least one of the important functions of art in the 21st century "
          "remains as a marker of wealth and social status."),
    _real("Allah",
          "The Christian Arabs of today have no other word for \"God\" than \"Allah\".",
          "(Even the Arabic-descended Maltese language of Malta, whose population is almost entirely "
          "Roman Catholic, uses \"Alla\" for \"God\".)",
          "Arab Christians, for example, use the terms ' () for God the Father, ' () for God the Son, "
          "and \"\" () for God the Holy Spirit.",
          "(See God in Christianity for the Christian concept of God.)"),
    _real("Arthur Schopenhauer",
          "Schopenhauer believed that personality and intellect were inherited.",
          "He quotes Horace's saying, \"From the brave and good are the brave descended\" (\"Odes\", "
          "iv, 4, 29) and Shakespeare's line from \"Cymbeline\", \"Cowards father cowards, and base "
          "things sire base\" (IV, 2) to reinforce his hereditarian argument."),
    # --- quotations -----------------------------------------------------------------------------
    _real("Albert Einstein",
          "Einstein refused surgery, saying: \"I want to go when I want.",
          "It is tasteless to prolong life artificially.",
          "I have done my share, it is time to go.",
          "I will do it elegantly.\"",
          "He died in Princeton Hospital early the next morning at the age of 76, having continued to "
          "work until near the end."),
    _real("Analysis of variance",
          "Reporting sample size analysis is generally required in psychology.",
          "\"Provide information on sample size and the process that led to sample size decisions.\"",
          "The analysis, which is written in the experimental protocol before the experiment is "
          "conducted, is examined in grant applications and administrative review boards."),
    _real("Alabama",
          "An 1842 article in the \"Jacksonville Republican\" proposed that it meant \"Here We Rest.\"",
          "This notion was popularized in the 1850s through the writings of Alexander Beaufort Meek.",
          "Experts in the Muskogean languages have been unable to find any evidence to support such a "
          "translation.",
          "And, thus, this is probably erroneous."),
    _real("Algae",
          "Mapping is possible for select species only: \"there are many valid examples of confined "
          "distribution patterns.\"",
          "For example, \"Clathromorphum\" is an arctic genus and is not mapped far south of there.",
          "On the other hand, scientists regard the overall data as insufficient due to the "
          "\"difficulties of undertaking such studies.\""),
    _real("Azerbaijan",
          "Yanar Dag, translated as \"burning mountain\", is a natural gas fire which blazes "
          "continuously on a hillside on the Absheron Peninsula on the Caspian Sea near Baku, which "
          "itself is known as the \"land of fire.\"",
          "Flames jet out into the air from a thin, porous sandstone layer.",
          "It is a tourist attraction to visitors to the Baku area."),
    _real("Altruism",
          "Marcel Mauss's book \"The Gift\" contains a passage: \"Note on alms.\"",
          "This note describes the evolution of the notion of alms (and by extension of altruism) from "
          "the notion of sacrifice.",
          "In it, he writes:"),
    _real("Abraham Lincoln",
          "Confederate general Jubal Anderson Early began a series of assaults in the North that "
          "threatened the Capital.",
          "During Early's raid on Washington, D.C. in 1864, Lincoln was watching the combat from an "
          "exposed position; Captain Oliver Wendell Holmes shouted at him, \"Get down, you damn fool, "
          "before you get shot!\"",
          "After repeated calls on Grant to defend Washington, Sheridan was appointed and the threat "
          "from Early was dispatched."),
    _real("Apollo 8",
          "In his 1994 book, \"Lost Moon: The Perilous Voyage of Apollo 13\", Lovell wrote, \"My "
          "training [on Apollo 8] came in handy!\"",
          "In that book he dismissed the incident as a \"planned experiment\", requested by the ground "
          "crew.",
          "In subsequent interviews Lovell has acknowledged that the incident was an accident, caused "
          "by his mistake."),
    _real("Animal Farm",
          "Eventually, these are replaced with the maxims, \"All animals are equal but some animals "
          "are more equal than others\", and \"Four legs good, two legs better!\" as the pigs become "
          "more human.",
          "This is an ironic twist to the original purpose of the Seven Commandments, which were "
          "supposed to keep order within Animal Farm by uniting the animals together against the "
          "humans and preventing animals from following the humans' evil habits.",
          "Through the revision of the commandments, Orwell demonstrates how simply political dogma "
          "can be turned into malleable propaganda."),
    _real("Algorithm",
          "Alan Turing's work preceded that of Stibitz (1937); it is unknown whether Stibitz knew of "
          "the work of Turing.",
          "Turing's biographer believed that Turing's use of a typewriter-like model derived from a "
          "youthful interest: \"Alan had dreamt of inventing typewriters as a boy; Mrs. Turing had a "
          "typewriter; and he could well have begun by asking himself what was meant by calling a "
          "typewriter 'mechanical'\".",
          "Given the prevalence of Morse code and telegraphy, ticker tape machines, and "
          "teletypewriters we might conjecture that all were influences."),
    _synthetic("He said, \"Stop.\"", "Then he walked away without another word."),
    _synthetic("\"Is it over?\" she asked.", "Nobody answered her."),
    # --- question and exclamation marks inside sentences ----------------------------------------
    _real("Algorithm",
          "The speed of \"Elegant\" can be improved by moving the B=0? test outside of the two "
          "subtraction loops.",
          "This change calls for the addition of 3 instructions (B=0?, A=0?, GOTO).",
          "Now \"Elegant\" computes the example-numbers faster; whether for any given A, B and R, S "
          "this is always the case would require a detailed analysis."),
    _real("ASCII",
          "The control codes felt essential for data transmission were the start of message (SOM), "
          "end of address (EOA), end of message (EOM), end of transmission (EOT), \"who are you?\" "
          "(WRU), \"are you?\" (RU), a reserved device control (DC0), synchronous idle (SYNC), and "
          "acknowledge (ACK).",
          "These were positioned to maximize the Hamming distance between their bit patterns."),
    _real("Albert Einstein",
          "Einstein's political view was in favor of socialism and critical of capitalism, which he "
          "detailed in his essays such as \"Why Socialism?\".",
          "Einstein offered and was called on to give judgments and opinions on matters often "
          "unrelated to theoretical physics or mathematics.",
          "He strongly advocated the idea of a democratic global government that would check the "
          "power of nation-states in the framework of a world federation."),
    _real("Andre Agassi",
          "In September 2013, the Andre Agassi Foundation for Education formed a partnership with V20 "
          "Foods to launch Box Budd!es, a line of kids' healthy snacks.",
          "All proceeds go to the Foundation."),
    # --- ellipses -------------------------------------------------------------------------------
    _real("Arthur Schopenhauer",
          "Philosophy... is a science, and as such has no articles of faith; accordingly, in it "
          "nothing can be assumed as existing except what is either positively given empirically, or "
          "demonstrated through indubitable conclusions."),
    _real("Altruism",
          "One challenge facing religious followers, is whether altruism should cross the boundary "
          "between religious groups, or if altruistic expression to other faiths is selective... "
          "which in itself is contrary to the concept of selflessness."),
    _real("Arthur Schopenhauer",
          "People, according to Schopenhauer, cannot be improved.",
          "They can only be influenced by strong motives that overpower criminal motives.",
          "Schopenhauer declared that \"real moral reform is not at all possible, but only determent "
          "from the deed...\""),
    _real("Algorithm",
          "Minsky: \"But we will also maintain, with Turing... that any procedure which could "
          "\"naturally\" be called effective, can in fact be realized by a (simple) machine.",
          "Although this may seem extreme, the arguments... in its favor are hard to refute\"."),
    _real("Algorithm",
          "Knuth: \"...we want \"good\" algorithms in some loosely defined aesthetic sense.",
          "One criterion... is the length of time taken to perform the algorithm....",
          "Other criteria are adaptability of the algorithm to computers, its simplicity and "
          "elegance, etc\""),
    _real("Abraham Lincoln",
          "The thunderclap of Sumter produced a startling crystallization of Northern sentiment\xa0...",
          "Anger swept the land.",
          "From every side came news of mass meetings, speeches, resolutions, tenders of business "
          "support, the muster of companies and regiments, the determined action of governors and "
          "legislatures.\""),
    _real("Apollo 11",
          "It was carried out in a technically brilliant way with risks taken\xa0... that would be "
          "inconceivable in the risk-averse world of today\xa0...",
          "The Apollo programme is arguably the greatest technical achievement of mankind to "
          "date\xa0... nothing since Apollo has come close "
          "[to] the excitement that was generated by those astronauts – Armstrong, Aldrin and the 10 "
          "others who followed them."),
    _real("American Revolutionary War",
          "These people show a spirit and conduct against us they never showed against the French….",
          "They are now spirited up by a rage and enthusiasm as great as ever people were possessed of "
          "and you must proceed in earnest or give the business up.",
          "A small body acting in one spot will not avail, you must have large armies making "
          "diversions on different sides, to divide their force.",
          sep=("", " ")),
    # --- plain paragraphs, for the base rate ----------------------------------------------------
    _real("Apollo 11",
          "In accordance with the recently passed Extra-Terrestrial Exposure Law, the astronauts were "
          "placed in quarantine for fear that the Moon might contain undiscovered pathogens and that "
          "the astronauts might have been exposed to them during their Moon walks.",
          "However, after almost three weeks in confinement (first in their trailer and later in the "
          "Lunar Receiving Laboratory at the Manned Spacecraft Center), the astronauts were given a "
          "clean bill of health.",
          "On August 10, 1969, the astronauts exited quarantine."),
    _real("Asia",
          "The Dalai Lama has received approximately eighty-four awards over his spiritual and "
          "political career.",
          "On 22 June 2006, he became one of only four people ever to be recognized with Honorary "
          "Citizenship by the Governor General of Canada.",
          "On 28 May 2005, he received the Christmas Humphreys Award from the Buddhist Society in the "
          "United Kingdom.",
          "Most notable was the Nobel Peace Prize, presented in Oslo, Norway on 10 December 1989."),
    _real("Andrei Tarkovsky",
          "An important influence on Tarkovsky was the film director Grigori Chukhrai, who was "
          "teaching at the VGIK.",
          "Impressed by the talent of his student, Chukhrai offered Tarkovsky a position as assistant "
          "director for his film \"Clear Skies\".",
          "Tarkovsky initially showed interest but then decided to concentrate on his studies and his "
          "own projects."),
    _real("Amphibian",
          "The calls made by caecilians and salamanders are limited to occasional soft squeaks, grunts "
          "or hisses and have not been much studied.",
          "A clicking sound sometimes produced by caecilians may be a means of orientation, as in "
          "bats, or a form of communication.",
          "Most salamanders are considered voiceless, but the California giant salamander "
          "(\"Dicamptodon ensatus\") has vocal cords and can produce a rattling or barking sound.",
          "Some species of salamander emit a quiet squeak or yelp if attacked."),
    _real("Atlantic Ocean",
          "The Atlantic has contributed significantly to the development and economy of surrounding "
          "countries.",
          "Besides major transatlantic transportation and communication routes, the Atlantic offers "
          "abundant petroleum deposits in the sedimentary rocks of the continental shelves.",
          "The Atlantic hosts the world's richest fishing resources, especially in the waters covering "
          "the shelves.",
          "The major fish are cod, haddock, hake, herring, and mackerel."),
    _real("Angola",
          "On 16 October 2014, Angola was elected for the second time as a non-permanent member of the "
          "UN Security Council, with 190 favourable votes out of 193.",
          "The mandate begins on 1 January 2015 and lasts for two years."),
    _real("Aristotle",
          "His ethics, though always influential, gained renewed interest with the modern advent of "
          "virtue ethics.",
          "All aspects of Aristotle's philosophy continue to be the object of active academic study "
          "today.",
          "Though Aristotle wrote many elegant treatises and dialogues –\xa0Cicero described his literary "
          "style as \"a river of gold\"\xa0– it is thought that only around a third of his original "
          "output has survived."),
    # --- other languages (synthetic: the sample is English) -------------------------------------
    _synthetic("Berlin ist die Hauptstadt Deutschlands.",
               "Die Stadt hat etwa 3,7 Millionen Einwohner."),
    _synthetic("Paris est la capitale de la France !",
               "Elle compte environ 2,1 millions d'habitants."),
    _synthetic("Москва — столица России.", "Это крупнейший город страны."),
    _synthetic("北京是中国的首都。", "上海是中国最大的城市。", sep=""),
    _synthetic("東京は日本の首都です。", "人口は約1400万人です。", sep=""),
    _synthetic("दिल्ली भारत की राजधानी है।", "यह एक बड़ा शहर है।"),
)


# Labelled only after the rules of pipeline/sentences.py were frozen, and never used to change
# them: an honest estimate for text the rules were not fitted to. 20 random multi-sentence
# paragraphs of the sample, 25 random ones with a short word before a full stop (mostly easy, as
# it turned out), then 25 random ones with a known trap (an initial, "U.S.", "e.g.", "St.", a
# quote or bracket after the stop, an ellipsis).
HELD_OUT: tuple[Case, ...] = (
    _real("Arthur Schopenhauer",
          "Schopenhauer noted a correspondence between his doctrines and the Four Noble Truths "
          "of Buddhism.",
          "Similarities centered on the principles that life involves suffering, that suffering "
          "is caused by desire (taṇhā), and that the extinction of desire leads to liberation.",
          "Thus three of the four \"truths of the Buddha\" correspond to Schopenhauer's "
          "doctrine of the will.",
          "In Buddhism, however, while greed and lust are always unskillful, desire is "
          "ethically variable – it can be skillful, unskillful, or neutral."),
    _real("Apollo",
          "Niobe, the queen of Thebes and wife of Amphion, boasted of her superiority to Leto "
          "because she had fourteen children (Niobids), seven male and seven female, while Leto "
          "had only two.",
          "Apollo killed her sons, and Artemis her daughters.",
          "Apollo and Artemis used poisoned arrows to kill them, though according to some "
          "versions of the myth, a number of the Niobids were spared (Chloris, usually).",
          "Amphion, at the sight of his dead sons, either killed himself or was killed by "
          "Apollo after swearing revenge."),
    _real("Albania",
          "From 1993 human resources in sciences and technology have drastically decreased.",
          "Various surveys show that during 1991–2005, approximately 50% of the professors and "
          "research scientists of the universities and science institutions in the country have "
          "emigrated."),
    _real("Appellate procedure in the United States",
          "The appellant in the new case can be either the plaintiff (or claimant), defendant, "
          "third-party intervenor, or respondent (appellee) from the lower case, depending on "
          "who was the losing party.",
          "The winning party from the lower court, however, is now the respondent.",
          "In unusual cases the appellant can be the victor in the court below, but still "
          "appeal."),
    _real("Austroasiatic languages",
          "Vietic: 10 languages of Vietnam and Laos, including the Vietnamese language, which "
          "has the most speakers of any Austroasiatic language.",
          "These are the only Austroasiatic languages to have highly developed tone systems."),
    _real("Andrei Tarkovsky",
          "Tarkovsky worked in close collaboration with cinematographer Vadim Yusov from 1958 "
          "to 1972, and much of the visual style of Tarkovsky's films can be attributed to this "
          "collaboration.",
          "Tarkovsky would spend two days preparing for Yusov to film a single long take, and "
          "due to the preparation, usually only a single take was needed."),
    _real("Agriculture",
          "Modern or industrialized agriculture is dependent on fossil fuels in two fundamental "
          "ways: 1. direct consumption on the farm and 2. indirect consumption to manufacture "
          "inputs used on the farm.",
          "Direct consumption includes the use of lubricants and fuels to operate farm vehicles "
          "and machinery; and use of gasoline, liquid propane, and electricity to power dryers, "
          "pumps, lights, heaters, and coolers.",
          "American farms directly consumed about 1.2 exajoules (1.1 quadrillion BTU) in 2002, "
          "or just over 1% of the nation's total energy."),
    _real("Albert Einstein",
          "Einstein next traveled to California where he met Caltech president and Nobel "
          "laureate, Robert A. Millikan.",
          "His friendship with Millikan was \"awkward\", as Millikan \"had a penchant for "
          "patriotic militarism,\" where Einstein was a pronounced pacifist.",
          "During an address to Caltech's students, Einstein noted that science was often "
          "inclined to do more harm than good."),
    _real("Alaska",
          "The Alaska Constitution was written so as to discourage dedicating state funds for a "
          "particular purpose.",
          "The Permanent Fund has become the rare exception to this, mostly due to the "
          "political climate of distrust existing during the time of its creation.",
          "From its initial principal of $734,000, the fund has grown to $50\xa0billion as a "
          "result of oil royalties and capital investment programs.",
          "Most if not all the principal is invested conservatively outside Alaska.",
          "This has led to frequent calls by Alaskan politicians for the Fund to make "
          "investments within Alaska, though such a stance has never gained momentum."),
    _real("Abortion",
          "Current laws pertaining to abortion are diverse.",
          "Religious, moral, and cultural sensibilities continue to influence abortion laws "
          "throughout the world.",
          "The right to life, the right to liberty, the right to security of person, and the "
          "right to reproductive health are major issues of human rights that are sometimes "
          "used as justification for the existence or absence of laws controlling abortion."),
    _real("Foreign relations of Angola",
          "This affected the Angolan Civil War that had been ongoing since Angola's "
          "independence in 1975.",
          "Namibia's ruling party SWAPO sought to support the ruling party MPLA in Angola "
          "against the rebel movement UNITA, whose stronghold is in southern Angola, bordering "
          "to Namibia.",
          "The defence pact allowed Angolan troops to use Namibian territory when attacking "
          "Jonas Savimbi's UNITA."),
    _real("Apollo 11",
          "Three new minerals were discovered in the rock samples collected by the astronauts: "
          "armalcolite, tranquillityite, and pyroxferroite.",
          "Armalcolite was named after Armstrong, Aldrin, and Collins."),
    _real("Ambiguity",
          "The writing of formula_15 instead of formula_20 may mean that the writer either is "
          "stretched in space (for example, to reduce the publication fees) or aims to increase "
          "number of publications without considering readers.",
          "The same may apply to any other use of ambiguous notations."),
    _real("Actinopterygii",
          "Numerically, actinopterygians are the dominant class of vertebrates, comprising "
          "nearly 99% of the over 30,000 species of fish.",
          "They are ubiquitous throughout freshwater and marine environments from the deep sea "
          "to the highest mountain streams.",
          "Extant species can range in size from \"Paedocypris\", at, to the massive ocean "
          "sunfish, at, and the long-bodied oarfish, at."),
    _real("Aikido",
          "A final major style evolved from Ueshiba's retirement in Iwama, Ibaraki and the "
          "teaching methodology of long term student Morihiro Saito.",
          "It is unofficially referred to as the \"Iwama style\", and at one point a number of "
          "its followers formed a loose network of schools they called Iwama Ryu.",
          "Although Iwama style practitioners remained part of the Aikikai until Saito's death "
          "in 2002, followers of Saito subsequently split into two groups.",
          "One remained with the Aikikai and the other formed the independent Shinshin "
          "Aikishuren Kai in 2004 around Saito's son Hitohiro Saito."),
    _real("Andorra",
          "Nearby airports located in Spain and France provide access to international flights "
          "for the Principality.",
          "The nearest airports are at Perpignan, France (156\xa0km from Andorra) and Lleida, "
          "Spain (160\xa0km from Andorra).",
          "The largest nearby airports are at Toulouse, France (165\xa0km from Andorra) and "
          "Barcelona, Spain (215\xa0km from Andorra).",
          "There are hourly bus services from both Barcelona and Toulouse airports to Andorra."),
    _real("Appellate procedure in the United States",
          "After an appeal is heard, the \"mandate\" is a formal notice of a decision by a "
          "court of appeal; this notice is transmitted to the trial court and, when filed by "
          "the clerk of the trial court, constitutes the final judgment on the case, unless the "
          "appeal court has directed further proceedings in the trial court.",
          "The mandate is distinguished from the appeal court's opinion, which sets out the "
          "legal reasoning for its decision.",
          "In some jurisdictions the mandate is known as the \"remittitur\"."),
    _real("Albert Einstein",
          "The first, indirect, detection of gravitational waves came in the 1970s through "
          "observation of a pair of closely orbiting neutron stars, PSR B1913+16.",
          "The explanation of the decay in their orbital period was that they were emitting "
          "gravitational waves.",
          "Einstein's prediction was confirmed on 11 February 2016, when researchers at LIGO "
          "published direct observation, on Earth, of gravitational waves, exactly one hundred "
          "years after the prediction."),
    _real("Acid",
          "As with the acetic acid reactions, both definitions work for the first example, "
          "where water is the solvent and hydronium ion is formed by the HCl solute.",
          "The next two reactions do not involve the formation of ions but are still "
          "proton-transfer reactions.",
          "In the second reaction hydrogen chloride and ammonia (dissolved in benzene) react to "
          "form solid ammonium chloride in a benzene solvent and in the third gaseous HCl and "
          "NH3 combine to form the solid."),
    _real("Alberta",
          "Alberta's Rockies include well-known tourist destinations Banff National Park and "
          "Jasper National Park.",
          "The two mountain parks are connected by the scenic Icefields Parkway.",
          "Banff is located west of Calgary on Highway 1, and Jasper is located west of "
          "Edmonton on Yellowhead Highway.",
          "Five of Canada's fourteen UNESCO World heritage sites are located within the "
          "province: Canadian Rocky Mountain Parks, Waterton-Glacier International Peace Park, "
          "Wood Buffalo National Park, Dinosaur Provincial Park and Head-Smashed-In Buffalo "
          "Jump."),
    _real("Abraham Lincoln",
          "Before the election, Lincoln served as a captain in the Illinois Militia during the "
          "Black Hawk War.",
          "Following his return, Lincoln continued his campaign for the August 6 election for "
          "the Illinois General Assembly.",
          "At, he was tall and \"strong enough to intimidate any rival\".",
          "At his first speech, when he saw a supporter in the crowd being attacked, Lincoln "
          "grabbed the assailant by his \"neck and the seat of his trousers\" and threw him.",
          "Lincoln finished eighth out of 13 candidates (the top four were elected), though he "
          "received 277 of the 300 votes cast in the New Salem precinct."),
    _real("Albania",
          "Today the overall literacy rate in Albania is 98.7%; the male literacy rate is 99.2% "
          "and female literacy rate is 98.3%.",
          "With large population movements in the 1990s to urban areas, the provision of "
          "education has undergone transformation as well.",
          "The University of Tirana is the oldest university in Albania, having been founded in "
          "October 1957."),
    _real("Aikido",
          "In aikido, as in virtually all Japanese martial arts, there are both physical and "
          "mental aspects of training.",
          "The physical training in aikido is diverse, covering both general physical fitness "
          "and conditioning, as well as specific techniques.",
          "Because a substantial portion of any aikido curriculum consists of throws, beginners "
          "learn how to safely fall or roll.",
          "The specific techniques for attack include both strikes and grabs; the techniques "
          "for defense consist of throws and pins.",
          "After basic techniques are learned, students study freestyle defense against "
          "multiple opponents, and techniques with weapons."),
    _real("Apollo",
          "Some common epithets of Apollo as a healer are \"paion\" (, literally \"healer\" or "
          "\"helper\") \"epikourios\" (, \"help\"), \"oulios\" (, \"healed wound\", also a "
          "\"scar\") and \"loimios\" (, \"plague\").",
          "In classical times, his strong function in popular religion was to keep away evil, "
          "and was therefore called \"apotropaios\" (, \"divert\", \"deter\", \"avert\") and "
          "\"alexikakos\" (from v. + n., \"defend from evil\").",
          "In later writers, the word, usually spelled \"Paean\", becomes a mere epithet of "
          "Apollo in his capacity as a god of healing."),
    _real("Albert Einstein",
          "In a 1905 paper, Einstein postulated that light itself consists of localized "
          "particles (\"quanta\").",
          "Einstein's light quanta were nearly universally rejected by all physicists, "
          "including Max Planck and Niels Bohr.",
          "This idea only became universally accepted in 1919, with Robert Millikan's detailed "
          "experiments on the photoelectric effect, and with the measurement of Compton "
          "scattering."),
    _real("Azerbaijan",
          "Azerbaijan folk consists of Azerbaijanis, the representative part of society, as "
          "well as of nations and ethnic groups, compactly living in various areas of the "
          "country.",
          "Azerbaijani national and traditional dresses are the Chokha and Papakhi.",
          "There are radio broadcasts in Russian, Armenian, Georgian, Kurdish, Lezgian and "
          "Talysh languages, which are financed from the state budget.",
          "Some local radio stations in Balakan and Khachmaz organize broadcasts in Avar and "
          "Tat.",
          "In Baku several newspapers are published in Russian, Kurdish (\"Dengi Kurd\"), "
          "Lezgian (\"Samur\") and Talysh languages.",
          "Jewish society \"Sokhnut\" publishes the newspaper \"Aziz\"."),
    _real("Albania",
          "Albanian folk songs can be divided into major groups, the heroic epics of the north, "
          "and the sweetly melodic lullabies, love songs, wedding music, work songs and other "
          "kinds of song.",
          "The music of various festivals and holidays is also an important part of Albanian "
          "folk song, especially those that celebrate St. Lazarus Day, which inaugurates the "
          "springtime.",
          "Lullabies and vajtims are very important kinds of Albanian folk song, and are "
          "generally performed by solo women."),
    _real("Apollo 8",
          "Five\xa0hours after launch, Mission Control sent a command to the S-IVB booster to "
          "vent its remaining fuel through its engine bell to change the booster's trajectory.",
          "This S-IVB would then pass the Moon and enter into a solar orbit, posing no further "
          "hazard to Apollo\xa08.",
          "The S-IVB subsequently went into a solar orbit with an inclination of 23.47° from "
          "the plane of the ecliptic, and an orbital period of 340.80\xa0days.",
          "After the insertion into trans-Lunar orbit, the Saturn IVB third stage became a "
          "object.",
          "It will continue to orbit the Sun for many years."),
    _real("Afghanistan",
          "The northeastern Hindu Kush mountain range, in and around the Badakhshan Province of "
          "Afghanistan, is in a geologically active area where earthquakes may occur almost "
          "every year.",
          "They can be deadly and destructive sometimes, causing landslides in some parts or "
          "avalanches during the winter.",
          "The last strong earthquakes were in 1998, which killed about 6,000 people in "
          "Badakhshan near Tajikistan.",
          "This was followed by the 2002 Hindu Kush earthquakes in which over 150 people were "
          "killed and over 1,000 injured.",
          "A 2010 earthquake left 11 Afghans dead, over 70 injured, and more than 2,000 houses "
          "destroyed."),
    _real("Albert Sidney Johnston",
          "On December 22, 1838, Mirabeau B. Lamar, the second president of the Republic of "
          "Texas, appointed Johnston as Secretary of War.",
          "He provided for the defense of the Texas border against Mexican invasion, and in "
          "1839 conducted a campaign against Indians in northern Texas.",
          "In February 1840, he resigned and returned to Kentucky."),
    _real("Ayn Rand",
          "During Rand's lifetime, her work evoked both extreme praise and condemnation.",
          "Rand's first novel, \"We the Living\", was admired by the literary critic H. L. "
          "Mencken, her Broadway play \"Night of January 16th\" was both a critical and popular "
          "success, and \"The Fountainhead\" was hailed by a reviewer in \"The New York Times\" "
          "as \"masterful\".",
          "Rand's novels were derided by some critics when they were first published as being "
          "long and melodramatic.",
          "However, they became bestsellers largely through word of mouth."),
    _real("Andrei Tarkovsky",
          "Although some authors claim that the screenplay was filmed, according to Marina "
          "Tarkovskaya, Tarkovsky's sister (and wife of Aleksandr Gordon, a fellow student of "
          "Tarvosky during his film school years) the screenplay was never filmed.",
          "Tarkovsky wrote the screenplay during his entrance examination at the State "
          "Institute of Cinematography (VGIK) in a single sitting.",
          "He earned the highest possible grade, excellent () for this work.",
          "In 1994 fragments of the \"Concentrate\" were filmed and used in the documentary "
          "\"Andrei Tarkovsky's Taiga Summer\" by Marina Tarkovskaya and Aleksandr Gordon."),
    _real("Apollo",
          "Apollo aided Paris in the killing of Achilles by guiding the arrow of his bow into "
          "Achilles' heel.",
          "One interpretation of his motive is that it was in revenge for Achilles' sacrilege "
          "in murdering Troilus, the god's own son by Hecuba, on the very altar of the god's "
          "own temple."),
    _real("Acid",
          "Brønsted-Lowry theory can be used to describe reactions of molecular compounds in "
          "nonaqueous solution or the gas phase.",
          "Hydrogen chloride (HCl) and ammonia combine under several different conditions to "
          "form ammonium chloride, NH4Cl.",
          "In aqueous solution HCl behaves as hydrochloric acid and exists as hydronium and "
          "chloride ions.",
          "The following reactions illustrate the limitations of Arrhenius's definition:"),
    _real("Alabama",
          "Legion Field is home for the UAB Blazers football program and the Papajohns.com "
          "Bowl.",
          "It seats 80,601.",
          "Ladd-Peebles Stadium in Mobile is the home of the University of South Alabama "
          "football team, and serves as the home of the NCAA Senior Bowl, GoDaddy.com Bowl, and "
          "Alabama-Mississippi All Star Classic; the stadium seats 40,646.",
          "In 2009, Bryant-Denny Stadium and Jordan-Hare Stadium became the homes of the "
          "Alabama High School Athletic Association state football championship games, after "
          "previously being held at Legion Field in Birmingham."),
    _real("Aikido",
          "The art of Daitō-ryū is the primary technical influence on aikido.",
          "Along with empty-handed throwing and joint-locking techniques, Ueshiba incorporated "
          "training movements with weapons, such as those for the spear (), short staff (), and "
          "perhaps the.",
          "However, aikido derives much of its technical structure from the art of "
          "swordsmanship ()."),
    _real("Analysis of variance",
          "It is prudent to verify that the assumptions of ANOVA have been met.",
          "Residuals are examined or analyzed to confirm homoscedasticity and gross normality.",
          "Residuals should have the appearance of (zero mean normal distribution) noise when "
          "plotted as a function of anything including time and"),
    _real("Angola",
          "Khoi and San hunter-gatherers are the earliest known modern human inhabitants of the "
          "area.",
          "They were largely absorbed or replaced by Bantu peoples during the Bantu migrations, "
          "though small numbers remain in parts of southern Angola to the present day.",
          "The Bantu came from the north, probably from somewhere near the present-day Republic "
          "of Cameroon."),
    _real("Acid",
          "A diprotic acid (here symbolized by H2A) can undergo one or two dissociations "
          "depending on the pH.",
          "Each dissociation has its own dissociation constant, Ka1 and Ka2."),
    _real("Apollo 8",
          "The Titan II launch vehicle used for the Gemini program had been notoriously "
          "rough-riding, and technicians promised the astronauts that the Saturn V, which was "
          "designed for the Apollo program rather than adapted from a missile, would have a "
          "much smoother ride.",
          "Lovell and Borman, both Gemini veterans, found this promise did not disappoint.",
          "During liftoff, they reported feeling nothing but a dull, muted rumble in the "
          "distance."),
    _real("Academy Awards",
          "Producers must submit an Official Screen Credits online form before the deadline; in "
          "case it is not submitted by the defined deadline, the film will be ineligible for "
          "Academy Awards in any year.",
          "The form includes the production credits for all related categories.",
          "Then, each form is checked and put in a Reminder List of Eligible Releases."),
    _real("Albania",
          "During 1960–1978, several airlines ceased to operate in Albania due to the impact of "
          "the politics, resulting in a decrease of influx of flights and passengers.",
          "In 1977 Albania's government signed an agreement with Greece to open the country's "
          "first air links with non-communist Europe.",
          "As a result, Olympic Airways was the first non-communist airline to commercially fly "
          "into Albania after World War II.",
          "By 1991 Albania had air links with many major European cities, including Paris, "
          "Rome, Zürich, Vienna and Budapest, but no regular domestic air service."),
    _real("Azerbaijan",
          "The short-lived Azerbaijan Democratic Republic succeeded in establishing diplomatic "
          "relations with six countries, sending diplomatic representatives to Germany and "
          "Finland.",
          "The process of international recognition of Azerbaijan's independence from the "
          "collapsing Soviet Union lasted roughly one year.",
          "The most recent country to recognize Azerbaijan was Bahrain, on 6 November 1996.",
          "Full diplomatic relations, including mutual exchanges of missions, were first "
          "established with Turkey, Pakistan, the United States, Iran and Israel.",
          "Azerbaijan has placed a particular emphasis on its \"Special Relationship\" with "
          "Turkey."),
    _real("Altruism",
          "Jainism prescribes a path of non-violence to progress the soul to this ultimate "
          "goal.",
          "A major characteristic of Jain belief is the emphasis on the consequences of not "
          "only physical but also mental behaviors.",
          "One's unconquered mind with anger, pride (ego), deceit, greed and uncontrolled sense "
          "organs are the powerful enemies of humans.",
          "Anger spoils good relations, pride destroys humility, deceit destroys peace and "
          "greed destroys everything.",
          "Jainism recommends conquering anger by forgiveness, pride by humility, deceit by "
          "straight-forwardness and greed by contentment."),
    _real("Azerbaijan",
          "The Constitution of Azerbaijan guarantees freedom of speech, but this is denied in "
          "practice.",
          "After several years of decline in press and media freedom, in 2014 the media "
          "environment in Azerbaijan deteriorated fast under a governmental campaign to silence "
          "any opposition and criticism, even while the country led the Committee of Ministers "
          "of the Council of Europe (May–November 2014).",
          "Spurious legal charges and impunity in violence against journalists have remained "
          "the norm.",
          "All foreign broadcasts are banned in the country."),
    _real("Angola",
          "The U.S. Department of State estimates the Muslim population at 80,000–90,000, while "
          "the Islamic Community of Angola puts the figure closer to 500,000.",
          "Muslims consist largely of migrants from West Africa and the Middle East (especially "
          "Lebanon), although some are local converts.",
          "The Angolan government does not legally recognize any Muslim organizations and often "
          "shuts down mosques or prevents their construction."),
    _real("Atlantic Ocean",
          "Islands include Newfoundland (including hundreds of surrounding islands), Greenland, "
          "Iceland, Faroe Islands, British Isles (including Great Britain and Ireland), "
          "Rockall, Sable Island, Azores, St. Pierre and Miquelon, Madeira, Bermuda, Canary "
          "Islands, Caribbean Islands (including Greater Antilles, Leeward Islands, Windward "
          "Islands, Leeward Antilles), Cape Verde, São Tomé and Príncipe, Annobón Province, "
          "Fernando de Noronha, Rocas Atoll, Ascension Island, Saint Helena, Trindade and "
          "Martim Vaz, Tristan da Cunha, Gough Island (Also known as Diego Alvarez), Falkland "
          "Islands, Tierra del Fuego, South Georgia Island, South Sandwich Islands, and Bouvet "
          "Island."),
    _real("Alaska",
          "Alaska's voter initiative making marijuana legal takes effect 24 February 2015, "
          "placing Alaska alongside Colorado and Washington as the three U.S. states where "
          "recreational marijuana is legal.",
          "The new law means people over age 21 can consume small amounts of pot — if they can "
          "find it.",
          "Commercial sales await implementation of Alaska Measure 2 (2014)."),
    _real("Alaska",
          "The state is bordered by Yukon and British Columbia in Canada, to the east, the Gulf "
          "of Alaska and the Pacific Ocean to the south, the Bering Sea, Bering Strait, and "
          "Chukchi Sea to the west and the Arctic Ocean to the north.",
          "Alaska's territorial waters touch Russia's territorial waters in the Bering Strait, "
          "as the Russian Big Diomede Island and Alaskan Little Diomede Island are only apart.",
          "Alaska has a longer coastline than all the other U.S. states combined."),
    _real("Analysis of variance",
          "In a randomized controlled experiment, the treatments are randomly assigned to "
          "experimental units, following the experimental protocol.",
          "This randomization is objective and declared before the experiment is carried out.",
          "The objective random-assignment is used to test the significance of the null "
          "hypothesis, following the ideas of C. S. Peirce and Ronald Fisher.",
          "This design-based analysis was discussed and developed by Francis J. Anscombe at "
          "Rothamsted Experimental Station and by Oscar Kempthorne at Iowa State University.",
          "Kempthorne and his students make an assumption of \"unit treatment additivity\", "
          "which is discussed in the books of Kempthorne and David R. Cox."),
    _real("Abacus",
          "The wire frame may be used either with positional notation like other abaci (thus "
          "the 10-wire version may represent numbers up to 9,999,999,999), or each bead may "
          "represent one unit (so that e.g. 74 can be represented by shifting all beads on 7 "
          "wires and 4 beads on the 8th wire, so numbers up to 100 may be represented).",
          "In the bead frame shown, the gap between the 5th and 6th wire, corresponding to the "
          "color change between the 5th and the 6th bead on each wire, suggests the latter use."),
    _real("Anthropology",
          "Anthropologists' involvement with the U.S. government, in particular, has caused "
          "bitter controversy within the discipline.",
          "Franz Boas publicly objected to US participation in World War I, and after the war "
          "he published a brief expose and condemnation of the participation of several "
          "American archaeologists in espionage in Mexico under their cover as scientists."),
    _real("Abraham Lincoln",
          "Today's U.S. President, however, seems to be promoting a sympathetic resurgence for "
          "his predecessor, Lincoln.",
          "Indeed, President Obama, has insisted on using Lincoln's Bible for his swearing in "
          "of office at both his inaugurations."),
    _real("Acid",
          "A third, only marginally related concept was proposed in 1923 by Gilbert N. Lewis, "
          "which includes reactions with acid-base characteristics that do not involve a proton "
          "transfer.",
          "A Lewis acid is a species that accepts a pair of electrons from another species; in "
          "other words, it is an electron pair acceptor.",
          "Brønsted acid-base reactions are proton transfer reactions while Lewis acid-base "
          "reactions are electron pair transfers.",
          "Many Lewis acids are not Brønsted-Lowry acids.",
          "Contrast how the following reactions are described in terms of acid-base chemistry:"),
    _real("Arthur Schopenhauer",
          "According to Schopenhauer, whenever we make a choice, \"We assume as necessary that "
          "decision was preceded by something from which it ensued, and which we call the "
          "ground or reason, or more accurately the motive, of the resultant action.\"",
          "Choices are not made freely.",
          "Our actions are necessary and determined because \"every human being, even every "
          "animal, after the motive has appeared, must carry out the action which alone is in "
          "accordance with his inborn and immutable character.\"",
          "A definite action inevitably results when a particular motive influences a person's "
          "given, unchangeable character."),
    _real("Aristotle",
          "For Aristotle, the soul (\"psyche\") was a simpler concept than it is for us today.",
          "By soul he simply meant the form of a living being.",
          "Because all beings are composites of form and matter, the form of living beings is "
          "that which endows them with what is specific to living beings, e.g. the ability to "
          "initiate movement (or in the case of plants, growth and chemical transformations, "
          "which Aristotle considers types of movement)."),
    _real("Azerbaijan",
          "Azerbaijan is in the South Caucasus region of Eurasia, straddling Western Asia and "
          "Eastern Europe.",
          "It lies between latitudes 38° and 42° N, and longitudes 44° and 51° E.",
          "The total length of Azerbaijan's land borders is, of which 1007\xa0kilometers are "
          "with Armenia, 756\xa0kilometers with Iran, 480\xa0kilometers with Georgia, "
          "390\xa0kilometers with Russia and 15\xa0kilometers with Turkey.",
          "The coastline stretches for, and the length of the widest area of the Azerbaijani "
          "section of the Caspian Sea is.",
          "The territory of Azerbaijan extends from north to south, and from west to east."),
    _real("Apollo 8",
          "In January 1970, the spacecraft was delivered to Osaka, Japan, for display in the "
          "U.S. pavilion at Expo '70.",
          "It is now displayed at the Chicago Museum of Science and Industry, along with a "
          "collection of personal items from the flight donated by Lovell and the space suit "
          "worn by Frank Borman.",
          "Jim Lovell's Apollo 8 space suit is on public display in the Visitor Center at "
          "NASA's Glenn Research Center.",
          "Bill Anders's space suit is on display at the Science Museum in London, United "
          "Kingdom."),
    _real("Abacus",
          "One example of archaeological evidence of the Roman abacus, shown here in "
          "reconstruction, dates to the 1st century AD.",
          "It has eight long grooves containing up to five beads in each and eight shorter "
          "grooves having either one or no beads in each.",
          "The groove marked I indicates units, X tens, and so on up to millions.",
          "The beads in the shorter grooves denote fives –five units, five tens etc., "
          "essentially in a bi-quinary coded decimal system, obviously related to the Roman "
          "numerals.",
          "The short grooves on the right may have been used for marking Roman \"ounces\" (i.e. "
          "fractions)."),
    _real("Academy Awards",
          "In 2016 the Academy returned to bronze as the core metal of the statuettes, handing "
          "manufacturing duties to Rock Tavern, New York based Polich Tallix Fine Art Foundry.",
          "While based on a digital scan of an original 1929 Oscar, the new statuettes will "
          "retain their modern-era dimensions and black pedestal.",
          "Cast in liquid bronze from 3d printed ceramic molds and polished, they are then "
          "electroplated in 24-karat gold by Brooklyn, New York based Epner Technology.",
          "The time required to produce 50 such statuettes is roughly 3 months.",
          "R.S. Owens will continue producing other awards for the Academy and service existing "
          "Oscars."),
    _real("Alaska",
          "One of the most prominent movies filmed in Alaska is MGM's \"Eskimo/Mala The "
          "Magnificent\", starring Alaska Native Ray Mala.",
          "In 1932 an expedition set out from MGM's studios in Hollywood to Alaska to film what "
          "was then billed as \"The Biggest Picture Ever Made.\"",
          "Upon arriving in Alaska, they set up \"Camp Hollywood\" in Northwest Alaska, where "
          "they lived during the duration of the filming.",
          "Louis B. Mayer spared no expense in spite of the remote location, going so far as to "
          "hire the chef from the Hotel Roosevelt in Hollywood to prepare meals."),
    _real("Asia",
          "Other Asian writers who won Nobel Prize for literature include Yasunari Kawabata "
          "(Japan, 1968), Kenzaburō Ōe (Japan, 1994), Gao Xingjian (China, 2000), Orhan Pamuk "
          "(Turkey, 2006), and Mo Yan (China, 2012).",
          "Some may consider the American writer, Pearl S. Buck, an honorary Asian Nobel "
          "laureate, having spent considerable time in China as the daughter of missionaries, "
          "and based many of her novels, namely \"The Good Earth\" (1931) and \"The Mother\" "
          "(1933), as well as the biographies of her parents of their time in China, \"The "
          "Exile\" and \"Fighting Angel\", all of which earned her the Literature prize in "
          "1938."),
    _real("Apollo 8",
          "The burn occurred exactly on time.",
          "The spacecraft telemetry was reacquired as it re-emerged from behind the Moon at "
          "89\xa0hours, 28\xa0minutes, and 39\xa0seconds, the exact time calculated.",
          "When voice contact was regained, Lovell announced, \"Please be informed, there is a "
          "Santa Claus\", to which Ken Mattingly, the current CAPCOM, replied, \"That's "
          "affirmative, you are the best ones to know.\"",
          "The spacecraft began its journey back to Earth on December 25, Christmas Day."),
    _real("Apollo 11",
          "The Command Module is displayed at the National Air and Space Museum, Washington, "
          "D.C.",
          "It is in the central \"Milestones of Flight\" exhibition hall in front of the "
          "Jefferson Drive entrance, sharing the main hall with other pioneering flight "
          "vehicles such as the Wright Flyer, the \"Spirit of St. Louis\", the Bell X-1, the "
          "North American X-15, Mercury spacecraft \"Friendship 7\", and Gemini 4.",
          "Armstrong's and Aldrin's space suits are displayed in the museum's \"Apollo to the "
          "Moon\" exhibit.",
          "The quarantine trailer, the flotation collar, and the righting spheres are displayed "
          "at the Smithsonian's Steven F. Udvar-Hazy Center annex near Washington Dulles "
          "International Airport in Virginia."),
    _real("Animalia (book)",
          "\"Animalia\" is an alliterative alphabet book and contains twenty-six illustrations, "
          "one for each letter of the alphabet.",
          "Each illustration features an animal from the animal kingdom (A is for alligator, B "
          "is for butterfly, etc.) along with a short poem utilizing the letter of the page for "
          "many of the words.",
          "The illustrations contain many other objects beginning with that letter that the "
          "reader can try to identify.",
          "As an additional challenge, the author has hidden a picture of himself as a child in "
          "every picture."),
    _real("Arthur Schopenhauer",
          "In another context, Schopenhauer reiterated his antidemocratic-eugenic thesis: \"If "
          "you want Utopian plans, I would say: the only solution to the problem is the "
          "despotism of the wise and noble members of a genuine aristocracy, a genuine "
          "nobility, achieved by mating the most magnanimous men with the cleverest and most "
          "gifted women.",
          "This proposal constitutes my Utopia and my Platonic Republic.\"",
          "Analysts (e.g., Keith Ansell-Pearson) have suggested that Schopenhauer's advocacy of "
          "anti-egalitarianism and eugenics influenced the neo-aristocratic philosophy of "
          "Friedrich Nietzsche, who initially considered Schopenhauer his mentor."),
    _real("Albert Einstein",
          "In 1946 Einstein visited Lincoln University in Pennsylvania where he was awarded an "
          "honorary degree.",
          "Lincoln was the first university in the United States to grant college degrees to "
          "blacks, including Langston Hughes and Thurgood Marshall.",
          "To its students, Einstein gave a speech about racism in America, adding, \"I do not "
          "intend to be quiet about it.\"",
          "A resident of Princeton recalls that Einstein had once paid the college tuition for "
          "a black student, and black physicist Sylvester James Gates states that Einstein had "
          "been one of his early science heroes, later finding out about Einstein's support for "
          "civil rights."),
    _real("Arthur Schopenhauer",
          "This belief in heritability of traits informed Schopenhauer's view of love – placing "
          "it at the highest level of importance.",
          "For Schopenhauer the \"final aim of all love intrigues, be they comic or tragic, is "
          "really of more importance than all other ends in human life.",
          "What it all turns upon is nothing less than the composition of the next "
          "generation...",
          "It is not the weal or woe of any one individual, but that of the human race to come, "
          "which is here at stake.\"",
          "This view of the importance for the species of whom we choose to love was reflected "
          "in his views on eugenics or good breeding.",
          "Here Schopenhauer wrote:"),
    _real("Alaska",
          "During World War II, the Aleutian Islands Campaign focused on the three outer "
          "Aleutian Islands\xa0– Attu, Agattu and Kiska\xa0– that were invaded by Japanese "
          "troops and occupied between June 1942 and August 1943.",
          "Unalaska/Dutch Harbor became a significant base for the U.S. Army Air Forces and "
          "Navy submariners."),
    _real("Foreign relations of Angola",
          "Angola-Zimbabwe relations have remained cordial since the birth of both states, "
          "Angola in 1975 and Zimbabwe in 1979, during the Cold War.",
          "While Angola's foreign policy shifted to a pro-U.S. stance based on substantial "
          "economic ties, under the rule of President Robert Mugabe Zimbabwe's ties with the "
          "West soured in the late 1990s."),
)
