package sample

// Themes: what a lead's profile can be about. Each rubric attribute template scores one
// theme (rubric.go), and the lead generator writes profiles from the words of the themes
// it picks, so the rules scorer finds the attribute's signals exactly when the theme is
// present. Neutral words carry no signal of any theme.
const (
	themeFounder = iota
	themeCoach
	themeAI
	themeSideHustle
	themeSenior
	themeContent
	themeGrowth
	themeServices
	themeCommunity
	themeContact
	themeAustralia // bonus
	themeWellbeing // bonus
	themeRecruiter // negative
	themeStudent   // negative
	themeMLM       // negative
	themeCorporate // negative
	numThemes
)

// vocab is the text a theme contributes to a profile. Every entry holds at least one of
// the theme's signals; sentences often hold two, which earns full points.
type vocab struct {
	roles     []string // titles for the headline and jobs
	taglines  []string // headline add-ons after " | "
	sentences []string // about sentences
	jobDescs  []string // job descriptions
	companies []string
}

var themeWords = [numThemes]vocab{
	themeFounder: {
		roles:    []string{"Founder", "Co-Founder", "Business Owner", "Managing Director", "Founder & Principal", "Owner"},
		taglines: []string{"Entrepreneur at heart", "Self-employed and loving it", "Founder of a boutique studio"},
		sentences: []string{
			"As a business owner I wear every hat, from finance to customer service.",
			"Serial entrepreneur with two exits behind me.",
			"I am the co-founder of a growing e-commerce brand.",
			"Self-employed since 2016 and still discovering what it means to be an owner.",
			"As the founder of a small design practice I care about doing fewer things well.",
		},
		jobDescs: []string{"Founder and managing director of a consultancy serving regional clients.",
			"Owner-operator of a family bakery with three stores.", "Built the business from zero as its founder."},
		companies: []string{"Wattle & Co", "Brightside Studio", "Harbour Lane Designs", "Tidewater Goods", "Redgum Ventures"},
	},
	themeCoach: {
		roles: []string{"Executive Coach", "Business Coach", "Leadership Coach", "Management Consultant",
			"Independent Advisor", "Fractional CMO", "Career Coach", "Workshop Facilitator"},
		taglines: []string{"Helping leaders grow through coaching", "Trusted advisor to family businesses", "Mentor to first-time managers"},
		sentences: []string{
			"I coach leaders through change and mentor first-time managers.",
			"I work as an independent consultant and trusted advisor to family businesses.",
			"Certified trainer and facilitator of leadership programs.",
			"My coaching clients are mid-career professionals who want more from work.",
			"I spent years as a consultant before going fractional.",
		},
		jobDescs: []string{"Coaching and mentoring senior leaders one to one.",
			"Consultant on operating models for mid-sized firms.", "Facilitator of team workshops and offsites."},
		companies: []string{"Northstar Coaching", "Elevate Advisory", "Clear Path Consultants", "Summit Coaching Group"},
	},
	themeAI: {
		taglines: []string{"AI-curious", "Exploring generative AI", "Automation nerd", "ChatGPT power user"},
		sentences: []string{
			"Lately I have been experimenting with ChatGPT and other AI tools to save hours each week.",
			"Fascinated by generative AI and what it means for small firms.",
			"I build no-code automation for busy teams.",
			"Practising prompt writing one experiment at a time.",
			"Keen to see how machine learning and AI will reshape my industry.",
		},
		jobDescs: []string{"Introduced automation that cut reporting time in half.",
			"Led a pilot of generative AI tools across the team.", "Built no-code workflows for client onboarding."},
	},
	themeSideHustle: {
		taglines: []string{"Side hustler", "Freelance writer on weekends", "Building a passion project"},
		sentences: []string{
			"By night I run a side hustle selling handmade furniture.",
			"Building a portfolio career: a part-time corporate role plus freelance projects.",
			"My passion project is a small online course for new parents.",
			"I started a side project to earn a second income and it keeps growing.",
			"Moonlighting as a wedding photographer for the past three years.",
		},
		jobDescs: []string{"Freelance copywriting for local businesses.", "Side project: an online store for vintage maps."},
		roles:    []string{"Freelance Designer", "Freelance Writer"},
	},
	themeSenior: {
		roles: []string{"CEO", "Chief Operating Officer", "Head of Product", "General Manager", "Regional Director",
			"VP Operations", "Partner", "Executive Director"},
		taglines: []string{"Executive leader", "Board-ready executive"},
		sentences: []string{
			"I have led teams of 40+ as a general manager and later as CEO.",
			"Twenty years as an executive, most recently as head of a national division.",
			"Partner in a mid-sized firm and director of two subsidiaries.",
		},
		jobDescs:  []string{"Reporting to the CEO, accountable for national results.", "Executive team member and head of delivery."},
		companies: []string{"Meridian Group", "Apex Holdings", "Southern Cross Partners", "Bluegum Capital"},
	},
	themeContent: {
		taglines: []string{"Keynote speaker", "Author", "Podcast host", "Writer of a weekly newsletter"},
		sentences: []string{
			"Keynote speaker on leadership and change.",
			"I write a weekly newsletter read by 4,000 people.",
			"Host of a podcast about career change and author of two books.",
			"Content creator sharing what I learn, every week.",
		},
		jobDescs: []string{"Speaker at industry conferences and author of practical guides."},
	},
	themeGrowth: {
		taglines: []string{"Lifelong learner", "Growth mindset"},
		sentences: []string{
			"A lifelong learner, always upskilling.",
			"I believe in a growth mindset and daily personal development.",
			"Curious by nature and happiest when learning something new.",
		},
		jobDescs: []string{"Ran the learning program for new starters."},
	},
	themeServices: {
		roles:    []string{"Marketing Manager", "Strategy Lead", "Business Development Manager", "Sales Manager", "Operations Manager"},
		taglines: []string{"Marketing and strategy", "Sales and business development"},
		sentences: []string{
			"My background is in marketing and sales for professional services firms.",
			"I have spent my career in strategy and operations.",
			"Fifteen years in agency life, mostly in business development.",
		},
		jobDescs:  []string{"Marketing strategy for B2B clients.", "Business development across three states."},
		companies: []string{"Brightwave Agency", "Keystone Professional Services", "Fathom Marketing"},
	},
	themeCommunity: {
		taglines: []string{"Community builder", "Board member"},
		sentences: []string{
			"I volunteer with a local not-for-profit and serve as a board member.",
			"Community matters to me: I run a monthly networking breakfast.",
			"Proud ambassador for a youth mentoring charity.",
		},
		jobDescs: []string{"Volunteer coordinator for the community garden."},
	},
	themeContact: {
		taglines: []string{"Open to new connections", "Let's connect"},
		sentences: []string{
			"Always happy to chat, so reach out any time.",
			"Open to collaborations; DM me or get in touch through my website.",
			"Let's connect if you are building something of your own.",
		},
	},
	themeAustralia: {
		sentences: []string{
			"Based in Sydney, working with clients across Australia.",
			"Melbourne local, often in Brisbane and Perth for work.",
			"I live in Adelaide and work with teams across Australia.",
		},
	},
	themeWellbeing: {
		sentences: []string{
			"I care about wellbeing and work-life balance after a brush with burnout.",
			"Mindfulness and resilience keep me steady.",
		},
		taglines: []string{"Wellbeing advocate"},
	},
	themeRecruiter: {
		roles:    []string{"Senior Recruiter", "Talent Acquisition Partner", "Recruitment Consultant", "Headhunter"},
		taglines: []string{"Hiring across APAC", "Executive search"},
		sentences: []string{
			"I am a recruiter connecting great people with great companies.",
			"Talent acquisition specialist for tech and finance roles.",
		},
		jobDescs:  []string{"End-to-end recruitment for technology clients."},
		companies: []string{"Hays", "Robert Walters", "Talent Bridge Recruitment"},
	},
	themeStudent: {
		roles:    []string{"Student", "Intern", "Undergraduate Researcher"},
		taglines: []string{"Seeking opportunities", "Final-year student"},
		sentences: []string{
			"Final-year student looking for work in a graduate program.",
			"Currently an intern and seeking opportunities for next year.",
		},
		companies: []string{"University of Sydney", "Monash University", "UNSW", "RMIT University"},
	},
	themeMLM: {
		taglines: []string{"Financial freedom", "Passive income"},
		sentences: []string{
			"Ask me how network marketing gave me financial freedom.",
			"Crypto and forex trader building passive income.",
		},
	},
	themeCorporate: {
		roles: []string{"Senior Policy Officer", "Program Manager"},
		sentences: []string{
			"A proud public servant for twenty years.",
			"I have worked across government, most recently in the public sector health portfolio.",
		},
		jobDescs:  []string{"Policy advice for the Department of Health."},
		companies: []string{"Department of Health", "Department of Education", "Service NSW"},
	},
}

// Neutral text: no signal of any theme.
var (
	neutralRoles = []string{"Accountant", "Project Coordinator", "Software Engineer", "Registered Nurse",
		"Primary School Teacher", "Electrician", "Customer Service Officer", "Data Analyst",
		"Office Administrator", "Civil Engineer", "Logistics Coordinator", "Pharmacist",
		"Site Supervisor", "Payroll Officer", "Graphic Designer", "Quantity Surveyor", "Physiotherapist",
		"Warehouse Supervisor", "Paralegal", "Architect"}
	neutralCompanies = []string{"Westpac", "Telstra", "Woolworths Group", "BHP", "Qantas", "Atlassian",
		"Canva", "NSW Health", "Coles", "Bunnings", "Origin Energy", "Suncorp", "Lendlease", "Metro Trains",
		"Toll Group", "Medibank", "Fortescue", "Ramsay Health Care", "Aurizon", "Cochlear"}
	neutralSentences = []string{
		"I have spent the last decade in logistics and supply chain.",
		"Outside work you will find me at the beach with my family.",
		"I enjoy solving practical problems with good people.",
		"Currently focused on delivering projects on time and on budget.",
		"Proud parent of two and weekend cyclist.",
		"Detail-oriented and reliable, with a love of good coffee.",
		"I have worked in healthcare for most of my career.",
		"Qualified in accounting, with a soft spot for spreadsheets.",
		"Dog lover, runner and terrible golfer.",
		"I like building things that last.",
	}
	neutralJobDescs = []string{"", "", "Day-to-day delivery for a busy team.", "Managed budgets and rosters.",
		"Looked after key accounts.", "Delivered projects across three sites.", "Reporting and analysis."}
	neutralTaglines = []string{"Team player", "Coffee lover", "Getting things done", "Dog person"}
	locations       = []string{"Sydney, New South Wales, Australia", "Melbourne, Victoria, Australia",
		"Brisbane, Queensland, Australia", "Perth, Western Australia, Australia", "Adelaide, South Australia, Australia",
		"Gold Coast, Queensland, Australia", "Canberra, Australian Capital Territory, Australia",
		"Auckland, New Zealand", "London, England, United Kingdom", "Singapore"}
)

// Names. firstNames and lastNames are ASCII so profile slugs are their lower-case forms.
var (
	firstNames = []string{"Olivia", "Jack", "Charlotte", "Noah", "Amelia", "William", "Isla", "Oliver",
		"Mia", "Thomas", "Grace", "James", "Chloe", "Lucas", "Ava", "Henry", "Sophie", "Liam", "Zoe",
		"Ethan", "Emily", "Samuel", "Ruby", "Daniel", "Harper", "Matthew", "Ella", "Benjamin", "Priya",
		"Arjun", "Mei", "Wei", "Aisha", "Omar", "Sofia", "Mateo", "Hannah", "Connor", "Leah", "Rhys",
		"Tessa", "Callum", "Nadia", "Hamish", "Freya", "Angus", "Georgia", "Kai", "Imogen", "Zac"}
	lastNames = []string{"Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson",
		"Martin", "White", "Anderson", "Walker", "Thompson", "Thomas", "Lee", "Ryan", "Chen", "Kelly",
		"King", "Harris", "Robinson", "Wright", "Campbell", "Mitchell", "Young", "Patel", "Singh",
		"Murphy", "Hughes", "Edwards", "Clarke", "Scott", "Baker", "Morris", "Cooper", "Hall", "Ward",
		"Kaur", "Tran", "Rossi", "Murray", "Fraser", "Bennett", "Russell", "Gray", "Hunter", "Doyle",
		"Reid", "Sutton", "Okafor"}
)

// Post text.
var (
	postSentences = [...][]string{
		{ // AI insight
			"I asked ChatGPT to draft my client onboarding and it saved me a day.",
			"Three AI tools I now use every week, and one I dropped.",
			"Automation is not about replacing people; my workflow proves it.",
			"A simple prompt that turned meeting notes into action items.",
		},
		{ // business growth
			"Five lessons from my first year with paying clients.",
			"How I doubled revenue without working more hours.",
			"Pricing is the lever most small business owners ignore.",
			"What I wish I knew as a first-time founder.",
		},
		{ // story
			"An honest story about the mistake that nearly ended my business.",
			"My journey from corporate burnout to running my own practice.",
		},
		{ // self-promotion
			"Limited spots left in my program, book a call today.",
			"Sign up now and get a discount, link in bio.",
		},
		{ // neutral
			"Great day at the conference with the team.",
			"Congratulations to our graduates this year.",
			"Throwback to last summer on the coast.",
		},
	}
	shortPosts = []string{"Great!", "So true 👏", "Agreed.", "Congrats!", "Love this", "Yes!"}
)
